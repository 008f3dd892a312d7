"""The wire between the national and municipal sides: message schemas, transports, signing and sealing."""
