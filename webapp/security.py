"""Security headers on every answer: pages, API, static files, errors and 304s.

The pages need nothing from another origin and no inline code: scripts,
styles and images come from `/static`, and the scripts fetch only our own
API. So the Content-Security-Policy allows 'self' for exactly those and
nothing else (no 'unsafe-inline', no 'unsafe-eval'); an article that somehow
smuggled markup past escaping still could not run or load anything. Framing
is refused (clickjacking on the editor's forms), MIME sniffing is off (an
uploaded text must never be taken for HTML), and a reader's query never
leaves in a Referer to another site.

`webapp.layer` adds them to every answer, the 413 that the body limit answers
before the app runs included.
"""

from __future__ import annotations

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "manifest-src 'self'",
    )
)
# Browser features none of our pages use, switched off for them and for anything they embed.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Same-origin links keep the full URL (back links work); other sites learn the origin only.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    # For browsers that predate frame-ancestors.
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Sent over HTTPS only: over plain HTTP it would be ignored, and it must not pin localhost.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"
