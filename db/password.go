package db

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"rtcbill/domain"
)

// checkPassword is CheckPassword as the store's validation error.
func checkPassword(password, email string) error {
	if p := domain.CheckPassword(password, email); p != domain.PasswordOK {
		return domain.Invalid("password", "is %s", p)
	}
	return nil
}

// argonParams are the cost of an argon2id hash; every hash records its own,
// so that hashes made with other parameters still verify.
type argonParams struct {
	memory  uint32 // KiB
	time    uint32 // passes
	threads uint8
	keyLen  uint32
	saltLen uint32
}

// defaultArgon is the cost of every new hash: OWASP's recommended minimum
// for argon2id (19 MiB of memory, 2 passes, 1 lane), a 16-byte salt and a
// 32-byte hash: about 20 ms of one core of the 2-core machine of the README.
var defaultArgon = argonParams{memory: 19 * 1024, time: 2, threads: 1, keyLen: 32, saltLen: 16}

// argon is the cost new hashes are made with. It is defaultArgon in every
// program; only a test binary (testing.Testing) lowers it, so that tests
// that sign in hundreds of times stay fast. No flag or setting changes it.
var argon = defaultArgon

func init() {
	if testing.Testing() {
		argon = argonParams{memory: 64, time: 1, threads: 1, keyLen: 32, saltLen: 16}
	}
}

// hashSlots caps the hashes computed at once: each takes argon.memory, so
// a burst of sign-ins cannot take more than len(hashSlots) × 19 MiB. The
// others wait their turn (or until their request is abandoned).
var hashSlots = make(chan struct{}, min(4, max(1, runtime.NumCPU())))

func withHashSlot(ctx context.Context, f func()) error {
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("store: waiting to hash a password: %w", ctx.Err())
	}
	defer func() { <-hashSlots }()
	f()
	return nil
}

const argonPrefix = "$argon2id$"

// hashPassword checks password for the user with email and returns its
// argon2id hash in the PHC string format:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>, both in unpadded base64.
func hashPassword(ctx context.Context, password, email string) (string, error) {
	if err := checkPassword(password, email); err != nil {
		return "", err
	}
	return newHash(ctx, password, argon)
}

func newHash(ctx context.Context, password string, p argonParams) (string, error) {
	salt := make([]byte, p.saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("store: unable to salt the password: %w", err)
	}
	var key []byte
	if err := withHashSlot(ctx, func() {
		key = argon2.IDKey([]byte(domain.NormalizePassword(password)), salt, p.time, p.memory, p.threads, p.keyLen)
	}); err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("%sv=%d$m=%d,t=%d,p=%d$%s$%s", argonPrefix, argon2.Version, p.memory, p.time, p.threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("store: stored password hash is not argon2id or bcrypt")

// parseArgon reads a hash made by newHash.
func parseArgon(encoded string) (argonParams, []byte, []byte, error) {
	var p argonParams
	parts := strings.Split(encoded, "$") // "", "argon2id", "v=19", "m=…,t=…,p=…", salt, hash
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil || p.time == 0 || p.threads == 0 {
		return p, nil, nil, errBadHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, errBadHash
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) == 0 {
		return p, nil, nil, errBadHash
	}
	p.keyLen, p.saltLen = uint32(len(key)), uint32(len(salt))
	return p, salt, key, nil
}

// verifyPassword checks password against a stored hash: argon2id, or a
// bcrypt hash from before argon2id (compared with the password as typed,
// as it was hashed). stale is true when the password is right but its hash
// should be made again with today's parameters.
func verifyPassword(ctx context.Context, encoded, password string) (ok, stale bool, err error) {
	if strings.HasPrefix(encoded, argonPrefix) {
		p, salt, key, err := parseArgon(encoded)
		if err != nil {
			return false, false, err
		}
		var got []byte
		if err := withHashSlot(ctx, func() {
			got = argon2.IDKey([]byte(domain.NormalizePassword(password)), salt, p.time, p.memory, p.threads, p.keyLen)
		}); err != nil {
			return false, false, err
		}
		ok = subtle.ConstantTimeCompare(got, key) == 1
		return ok, ok && p != argon, nil
	}
	if strings.HasPrefix(encoded, "$2") {
		if err := withHashSlot(ctx, func() {
			ok = bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password)) == nil
		}); err != nil {
			return false, false, err
		}
		return ok, ok, nil
	}
	return false, false, errBadHash
}

// dummyHash is checked when a sign-in names no user, so that it takes as
// long as one with a wrong password and timing does not tell which
// e-mails have users.
var dummyHash = sync.OnceValue(func() string {
	h, err := newHash(context.Background(), "rtcbill-no-such-user", argon)
	if err != nil {
		panic(err)
	}
	return h
})
