"""End-to-end tests: real ansible-playbook runs of the role against the Cloudflare API emulator."""
