"""The MkDocs side: the kb plugin (the build's steps) and the process that converts half of the pages."""
