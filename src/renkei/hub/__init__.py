"""情報提供ネットワークシステム: agency registry, permission table, 符号 issue and conversion, routing, hub records."""
