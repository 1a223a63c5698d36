"""The embedded sandbox: national portal, identity provider (VNeID stand-in) and unit
portals whose behaviour is set per unit by a profile. Imports nothing of engine/checks."""
