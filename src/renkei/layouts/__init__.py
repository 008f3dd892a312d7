"""データ標準レイアウト: versioned layout definitions (TM/TK codes) as data files, and validation of copies against them."""
