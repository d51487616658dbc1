package auth

import (
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/gigraph/gigraph/market"
)

// PasswordParams are the argon2id cost parameters. They are written into every encoded hash, so
// hashes made with older parameters keep verifying after the defaults change.
type PasswordParams struct {
	// Memory in KiB.
	Memory uint32
	// Time is the number of passes over the memory.
	Time uint32
	// Threads is the degree of parallelism.
	Threads uint8
}

// DefaultPasswordParams follow the OWASP Password Storage Cheat Sheet's first argon2id
// configuration: 19 MiB, 2 passes, 1 lane. On a small box serving many logins that beats the
// RFC 9106 64 MiB profile, whose memory times the concurrent logins would be the first thing to run
// out; hashing is also gated to a few at a time (see hashSlots).
var DefaultPasswordParams = PasswordParams{Memory: 19 * 1024, Time: 2, Threads: 1}

// FastPasswordParams are for tests only: far too weak for real passwords, fast enough that a test
// can register hundreds of accounts.
var FastPasswordParams = PasswordParams{Memory: 64, Time: 1, Threads: 1}

const (
	saltLen = 16 // bytes, as RFC 9106 recommends
	keyLen  = 32 // bytes of derived key

	// maxVerifyMemory bounds what an encoded hash may ask for, so that a corrupted or planted hash
	// cannot make one login allocate gigabytes.
	maxVerifyMemory = 1 << 20 // KiB = 1 GiB
)

// hashSlots caps concurrent argon2 runs at the number of CPUs: more would only add memory, not
// throughput, and a burst of logins then queues instead of exhausting memory.
var hashSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))

func argon2id(password, salt []byte, p PasswordParams, n uint32) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, n)
}

// HashPassword returns the argon2id hash of password in the PHC string format:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt, base64>$<key, base64>
//
// with a fresh random 128-bit salt. Zero params mean DefaultPasswordParams.
func HashPassword(password string, p PasswordParams) (string, error) {
	if p == (PasswordParams{}) {
		p = DefaultPasswordParams
	}
	if p.Memory < 8*uint32(p.Threads) || p.Time < 1 || p.Threads < 1 {
		return "", fmt.Errorf("argon2id: invalid parameters %+v", p)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2id([]byte(password), salt, p, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ErrMalformedHash is returned by VerifyPassword for a stored hash it cannot read.
var ErrMalformedHash = errors.New("argon2id: malformed encoded hash")

// VerifyPassword reports whether password matches an encoded hash made by HashPassword, comparing
// in constant time. The parameters come from the hash itself.
func VerifyPassword(password, encoded string) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2id([]byte(password), salt, p, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// HashParams returns the parameters an encoded hash was made with, so a caller can tell when a
// hash is older than the current defaults.
func HashParams(encoded string) (PasswordParams, error) {
	p, _, _, err := decodeHash(encoded)
	return p, err
}

func decodeHash(encoded string) (p PasswordParams, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, ErrMalformedHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, ErrMalformedHash
	}
	if p.Time < 1 || p.Threads < 1 || p.Memory < 8*uint32(p.Threads) || p.Memory > maxVerifyMemory || p.Time > 100 {
		return p, nil, nil, ErrMalformedHash
	}
	b64 := base64.RawStdEncoding
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 || len(salt) > 64 {
		return p, nil, nil, ErrMalformedHash
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, ErrMalformedHash
	}
	return p, salt, key, nil
}

// dummyHashes holds, per parameter set, the hash of a random password. Logins for an unknown email
// verify against it so that they take as long as a wrong password for a real account.
var dummyHashes sync.Map // PasswordParams → string

// DummyHash returns a hash with the given parameters that no password matches.
func DummyHash(p PasswordParams) string {
	if p == (PasswordParams{}) {
		p = DefaultPasswordParams
	}
	if h, ok := dummyHashes.Load(p); ok {
		return h.(string)
	}
	secret, _ := NewToken()
	h, err := HashPassword(secret, p)
	if err != nil {
		panic(err) // only invalid params fail, and the caller's params hashed passwords already
	}
	actual, _ := dummyHashes.LoadOrStore(p, h)
	return actual.(string)
}

// Password policy limits.
const (
	MinPasswordRunes = 10
	// MaxPasswordBytes bounds the work one login can cause and stays well above any passphrase.
	MaxPasswordBytes = 256
)

//go:embed common_passwords.txt
var commonPasswordsFile string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 10000)
	for _, line := range strings.Split(commonPasswordsFile, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[strings.ToLower(line)] = struct{}{}
	}
	return set
})

// IsCommonPassword reports whether password (case-insensitively) is one of the 10,000 most common
// passwords long enough to pass the length rule.
func IsCommonPassword(password string) bool {
	_, ok := commonPasswords()[strings.ToLower(password)]
	return ok
}

// CheckPassword applies the password policy to a new password: 10 to 256 bytes of valid UTF-8
// (length in characters, so passphrases in any script count fairly), not one of the most common
// passwords, and not the account's own email. Errors are BAD_USER_INPUT on field.
func CheckPassword(field, password, email string) error {
	switch {
	case !utf8.ValidString(password):
		return market.InvalidInput(field, "the password must be valid UTF-8")
	case utf8.RuneCountInString(password) < MinPasswordRunes:
		return market.InvalidInput(field, "the password must have at least %d characters", MinPasswordRunes)
	case len(password) > MaxPasswordBytes:
		return market.InvalidInput(field, "the password must have at most %d bytes", MaxPasswordBytes)
	case IsCommonPassword(password):
		return market.InvalidInput(field, "this password is one of the most common ones; choose another")
	case email != "" && (strings.EqualFold(password, email) || strings.EqualFold(password, localPart(email))):
		return market.InvalidInput(field, "the password must not be your email")
	}
	return nil
}

func localPart(email string) string {
	local, _, _ := strings.Cut(email, "@")
	return local
}
