"""Stage: rendering into files and charts. Chart specifications (`charts`), downloads with
formula guards (`downloads`), the meeting pack PDF (`pack`), the pre-filled upload templates
(`templates`) and the marked copy of a rejected upload (`marking`)."""
