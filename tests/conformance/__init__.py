"""Conformance tests of the local Cloudflare API emulator (behaviour, official schema, official SDK)."""
