"""住民記録 (the resident register): residents, households (世帯) and the 異動 that change them, with an outbox."""
