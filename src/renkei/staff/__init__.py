"""Municipal staff accounts: roles, argon2 passwords, TOTP two-factor login."""
