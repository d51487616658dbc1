package auth

import (
	"net/mail"
	"strings"

	"github.com/gigraph/gigraph/market"
)

// MaxEmailBytes is the longest address SMTP can carry (RFC 5321 path limit less the brackets).
const MaxEmailBytes = 254

// CheckEmail validates a login email and returns it trimmed. It accepts a bare addr-spec only
// (no display name, no comments, no quoted or IP-literal parts): net/mail parses it, and the
// result must be exactly the input, with a domain of at least two DNS labels. Case is kept as
// typed; uniqueness and lookups ignore it. Errors are BAD_USER_INPUT on field.
func CheckEmail(field, email string) (string, error) {
	email = strings.TrimSpace(email)
	invalid := market.InvalidInput(field, "%q is not a valid email address", email)
	if email == "" {
		return "", market.InvalidInput(field, "the email is required")
	}
	if len(email) > MaxEmailBytes {
		return "", market.InvalidInput(field, "the email must have at most %d bytes", MaxEmailBytes)
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email {
		return "", invalid
	}
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || len(local) > 64 || strings.ContainsAny(local, "\"\\ ") {
		return "", invalid
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "", invalid
	}
	for _, l := range labels {
		if !dnsLabel(l) {
			return "", invalid
		}
	}
	return email, nil
}

// dnsLabel reports whether l is a hostname label: 1–63 letters, digits or hyphens, not starting or
// ending with a hyphen. Internationalised domains must be given in their xn-- form.
func dnsLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		letterOrDigit := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !letterOrDigit && c != '-' {
			return false
		}
	}
	return true
}
