"""住基ネット全国サーバ: 住民票コード pools, My Number generation (付番), 本人確認情報, 取得番号."""
