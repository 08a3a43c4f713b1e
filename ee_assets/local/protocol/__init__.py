"""The EE REST API v1 over HTTP: the server and request routing, the discovery document and algorithm signatures,
thumbnails and map tiles, the OAuth2 token endpoint and fault injection.
"""
