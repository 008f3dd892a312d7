"""中間サーバー: 符号 ↔ 統合宛名番号, the 副本 store, 情報照会 and automatic 情報提供, local 情報提供等記録."""
