package session

// CookieName is the cookie that carries a web-page session (internal/web
// sets it; the gate strips it before forwarding). The __Host- prefix makes
// browsers refuse the cookie unless it is Secure, has Path=/ and no Domain:
// no sibling host and no plain-HTTP page can plant or overwrite it. The
// API dialects never read it, so they stay free of CSRF.
const CookieName = "__Host-cloudgate-session"
