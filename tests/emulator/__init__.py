"""Local emulator of the Cloudflare API v4 subset used for per-hostname Authenticated Origin Pulls."""
