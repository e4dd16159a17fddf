"""Stage: disclosure control. Every figure built from the current data (`figures`), protected
against an attacker who holds every release (`sdc`, `disclosure`), and published once per value
(`publication`)."""
