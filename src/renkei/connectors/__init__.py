"""既存業務システム接続: files in and out (CSV, fixed-width bulk query and result files, IF_DBM-style XML)."""
