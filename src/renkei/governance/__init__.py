"""安全管理措置: information assets, handling procedures, risk analysis, PIA, training, incidents, network zones."""
