package db

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"rtcbill/domain"
)

// A passphrase of 25 Chinese characters: 75 bytes in UTF-8, more than
// bcrypt reads.
const cjkPassphrase = "我们每周三下午三点在会议室讨论新版本的上线计划安排"

func TestPasswordRules(t *testing.T) {
	if n := len([]rune(cjkPassphrase)); n != 25 {
		t.Fatalf("the passphrase has %d characters, want 25", n)
	}
	for _, tc := range []struct {
		name, password, email string
		want                  domain.PasswordProblem
	}{
		{"11 characters are too few", "kettle-rain", "", domain.PasswordTooShort},
		{"12 characters are enough", "kettle-rain7", "", domain.PasswordOK},
		{"12 Chinese characters are enough (36 bytes)", "春眠不觉晓处处闻啼鸟夜来风", "", domain.PasswordOK},
		{"25 Chinese characters (75 bytes, past bcrypt's 72) are accepted", cjkPassphrase, "", domain.PasswordOK},
		{"64 characters are accepted", strings.Repeat("tea-kettle-", 5) + "rain on the roof", "", domain.PasswordOK},
		{"128 characters are accepted", strings.Repeat("风", 64) + strings.Repeat("雨", 64), "", domain.PasswordOK},
		{"129 characters are too many", strings.Repeat("风", 65) + strings.Repeat("雨", 64), "", domain.PasswordTooLong},
		{"a common password is refused", "password1234", "", domain.PasswordCommon},
		{"in any case", "Password1234!", "", domain.PasswordCommon},
		{"typed in full-width letters (NFKC)", "ｐａｓｓｗｏｒｄ１２３４", "", domain.PasswordCommon},
		{"a keyboard walk", "1qaz2wsx3edc", "", domain.PasswordCommon},
		{"a common Chinese-pinyin one", "woaini1314520", "", domain.PasswordCommon},
		{"a run of digits", "234567890123", "", domain.PasswordCommon},
		{"a run of letters backwards", "ponmlkjihgfe", "", domain.PasswordCommon},
		{"one character repeated", "zzzzzzzzzzzzzz", "", domain.PasswordCommon},
		{"a short unit repeated", "我爱你我爱你我爱你我爱你", "", domain.PasswordCommon},
		{"the user's own e-mail", "Ops@Example.com", "ops@example.com", domain.PasswordIsEmail},
		{"not UTF-8", "abcdefghijk\xff", "", domain.PasswordNotText},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := domain.CheckPassword(tc.password, tc.email); got != tc.want {
				t.Errorf("CheckPassword(%q): got %d, want %d", tc.password, got, tc.want)
			}
		})
	}
}

func TestCJKPassphraseSignsIn(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, "li@example.com", cjkPassphrase, domain.RoleSupport, 0, testNow); err != nil {
		t.Fatalf("CreateUser with a 25-character Chinese passphrase: %v", err)
	}
	if _, err := s.Authenticate(ctx, "li@example.com", cjkPassphrase); err != nil {
		t.Errorf("sign-in with the passphrase: %v", err)
	}
	// One character less is another password, not a prefix that bcrypt
	// would have cut to.
	if _, err := s.Authenticate(ctx, "li@example.com", strings.TrimSuffix(cjkPassphrase, "排")); !errors.Is(err, domain.ErrBadCredentials) {
		t.Errorf("sign-in with the passphrase less its last character: got %v, want ErrBadCredentials", err)
	}
}

func storedHash(t *testing.T, s *SQLStore, email string) string {
	t.Helper()
	var h string
	if err := s.rdq().QueryRow(`SELECT password_hash FROM users WHERE email = ?`, email).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestPasswordHashes(t *testing.T) {
	t.Run("a new hash is argon2id with the documented parameters", func(t *testing.T) {
		saved := argon
		argon = defaultArgon
		t.Cleanup(func() { argon = saved })
		s, _ := openTestStore(t)
		ctx := context.Background()
		if _, err := s.CreateUser(ctx, "ops@example.com", "kettle-rain-on-the-roof", domain.RoleAdmin, 0, testNow); err != nil {
			t.Fatal(err)
		}
		h := storedHash(t, s, "ops@example.com")
		if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
			t.Errorf("stored hash %q: want $argon2id$v=19$m=19456,t=2,p=1$…", h)
		}
		p, salt, key, err := parseArgon(h)
		if err != nil || len(salt) != 16 || len(key) != 32 || p != defaultArgon {
			t.Errorf("parsed %+v, salt %d bytes, hash %d bytes (%v); want %+v, 16, 32", p, len(salt), len(key), err, defaultArgon)
		}
		if _, err := s.Authenticate(ctx, "ops@example.com", "kettle-rain-on-the-roof"); err != nil {
			t.Errorf("sign-in: %v", err)
		}
	})

	t.Run("test binaries hash cheaply, and no production parameter is lowered", func(t *testing.T) {
		if argon.memory >= defaultArgon.memory || defaultArgon.memory < 19*1024 || defaultArgon.time < 2 {
			t.Errorf("test parameters %+v, production %+v: want cheaper ones in tests and at least 19 MiB, 2 passes in production", argon, defaultArgon)
		}
	})

	t.Run("a bcrypt hash from before still signs in, and is made argon2id then", func(t *testing.T) {
		s, _ := openTestStore(t)
		ctx := context.Background()
		const password = "an-old-bcrypt-password"
		if _, err := s.CreateUser(ctx, "old@example.com", "placeholder-password-1", domain.RoleSupport, 0, testNow); err != nil {
			t.Fatal(err)
		}
		old, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.wq().Exec(`UPDATE users SET password_hash = ? WHERE email = ?`, string(old), "old@example.com"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "old@example.com", "not-the-password"); !errors.Is(err, domain.ErrBadCredentials) {
			t.Errorf("a wrong password against the bcrypt hash: got %v, want ErrBadCredentials", err)
		}
		if h := storedHash(t, s, "old@example.com"); h != string(old) {
			t.Errorf("a failed sign-in changed the stored hash to %.12q…", h)
		}
		if _, err := s.Authenticate(ctx, "old@example.com", password); err != nil {
			t.Fatalf("sign-in against the bcrypt hash: %v", err)
		}
		if h := storedHash(t, s, "old@example.com"); !strings.HasPrefix(h, "$argon2id$") {
			t.Errorf("after the sign-in the hash is %.12q…, want it made again as argon2id", h)
		}
		if _, err := s.Authenticate(ctx, "old@example.com", password); err != nil {
			t.Errorf("sign-in against the new argon2id hash: %v", err)
		}
	})

	t.Run("a hash of older argon2id parameters is made again at sign-in", func(t *testing.T) {
		s, _ := openTestStore(t)
		ctx := context.Background()
		const password = "kettle-rain-on-the-roof"
		weak, err := newHash(ctx, password, argonParams{memory: 32, time: 1, threads: 1, keyLen: 32, saltLen: 16})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUser(ctx, "ops@example.com", password, domain.RoleAdmin, 0, testNow); err != nil {
			t.Fatal(err)
		}
		s.wq().Exec(`UPDATE users SET password_hash = ? WHERE email = ?`, weak, "ops@example.com")
		if _, err := s.Authenticate(ctx, "ops@example.com", password); err != nil {
			t.Fatal(err)
		}
		if h := storedHash(t, s, "ops@example.com"); h == weak || !strings.HasPrefix(h, "$argon2id$") {
			t.Errorf("hash after sign-in: %.40q, want a new argon2id hash", h)
		}
	})

	t.Run("at most len(hashSlots) hashes run at once; the next waits for one or its request", func(t *testing.T) {
		for range cap(hashSlots) {
			hashSlots <- struct{}{}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := newHash(ctx, "kettle-rain-on-the-roof", argon)
		for range cap(hashSlots) {
			<-hashSlots
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a hash with every slot taken: got %v, want it to wait and give up with its request", err)
		}
		if _, err := newHash(context.Background(), "kettle-rain-on-the-roof", argon); err != nil {
			t.Errorf("a hash with the slots free: %v", err)
		}
	})
}

// sessionRows lists the web_sessions rows of a user as token hashes.
func sessionRows(t *testing.T, s *SQLStore, userID int64) []string {
	t.Helper()
	rows, err := s.rdq().Query(`SELECT token_hash FROM web_sessions WHERE user_id = ? ORDER BY token_hash`, userID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		rows.Scan(&h)
		out = append(out, h)
	}
	return out
}

// ownerIsFirstByte reads a session's user from its first byte, for tests.
func ownerIsFirstByte(data []byte) int64 { return int64(data[0]) }

func TestWebSessionsStoreTokenHashes(t *testing.T) {
	s, _ := openTestStore(t)
	ws := s.WebSessions().WithOwner(ownerIsFirstByte)
	const token = "Z3JhY2UtaGFzLWEtc2Vzc2lvbi10b2tlbi0wMTIzNDU2"
	if err := ws.Commit(token, []byte{7, 'x'}, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var hash string
	var user int64
	if err := s.rdq().QueryRow(`SELECT token_hash, user_id FROM web_sessions`).Scan(&hash, &user); err != nil {
		t.Fatal(err)
	}
	if hash != tokenHash(token) || strings.Contains(hash, token) || len(hash) != 64 {
		t.Errorf("stored token_hash %q: want the SHA-256 of the token in hex, never the token", hash)
	}
	if user != 7 {
		t.Errorf("stored user_id %d, want 7", user)
	}
	if data, ok, err := ws.Find(token); err != nil || !ok || string(data) != "\x07x" {
		t.Errorf("Find(token): %q %v %v, want the data", data, ok, err)
	}
	s.sessions = webSessionCache{} // as another process would: from the table
	if data, ok, err := ws.Find(token); err != nil || !ok || string(data) != "\x07x" {
		t.Errorf("Find(token) from the table: %q %v %v, want the data", data, ok, err)
	}
	if _, ok, _ := ws.Find(hash); ok {
		t.Errorf("Find(the stored hash) found the session: a stolen table must not sign anyone in")
	}
}

func TestCredentialLifecycle(t *testing.T) {
	ctx := context.Background()
	newUser := func(t *testing.T) (*SQLStore, domain.User) {
		s, _ := openTestStore(t)
		u, err := s.CreateUser(ctx, "grace@example.com", "first-password-1", domain.RoleSupport, 0, testNow)
		if err != nil {
			t.Fatal(err)
		}
		ws := s.WebSessions().WithOwner(ownerIsFirstByte)
		for _, tok := range []string{"session-one-token", "session-two-token"} {
			if err := ws.Commit(tok, []byte{byte(u.ID)}, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		return s, u
	}
	signsIn := func(s *SQLStore, password string) error {
		_, err := s.Authenticate(ctx, "grace@example.com", password)
		return err
	}

	t.Run("changing the password needs the current one and ends every session", func(t *testing.T) {
		s, u := newUser(t)
		if _, err := s.ChangePassword(ctx, u.ID, "not-my-password", "second-password-2", testNow); !errors.Is(err, domain.ErrBadCredentials) {
			t.Errorf("with a wrong current password: got %v, want ErrBadCredentials", err)
		}
		var ve *domain.ValidationError
		if _, err := s.ChangePassword(ctx, u.ID, "first-password-1", "short", testNow); !errors.As(err, &ve) || ve.Field != "password" {
			t.Errorf("to a short password: got %v, want a validation error for password", err)
		}
		if got := sessionRows(t, s, u.ID); len(got) != 2 {
			t.Fatalf("refused changes ended sessions: %d left, want 2", len(got))
		}
		changed, err := s.ChangePassword(ctx, u.ID, "first-password-1", "second-password-2", testNow)
		if err != nil {
			t.Fatal(err)
		}
		if changed.SessionEpoch != u.SessionEpoch+1 {
			t.Errorf("epoch: got %d, want %d", changed.SessionEpoch, u.SessionEpoch+1)
		}
		if got := sessionRows(t, s, u.ID); len(got) != 0 {
			t.Errorf("sessions after the change: %d, want 0", len(got))
		}
		if err := signsIn(s, "first-password-1"); !errors.Is(err, domain.ErrBadCredentials) {
			t.Errorf("the old password: got %v, want ErrBadCredentials", err)
		}
		if err := signsIn(s, "second-password-2"); err != nil {
			t.Errorf("the new password: %v", err)
		}
	})

	t.Run("ending every session moves the epoch on", func(t *testing.T) {
		s, u := newUser(t)
		after, err := s.EndSessions(ctx, u.ID, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := s.UserByID(ctx, u.ID); got.SessionEpoch != after.SessionEpoch || after.SessionEpoch != u.SessionEpoch+1 {
			t.Errorf("epoch: stored %d, returned %d, want %d", got.SessionEpoch, after.SessionEpoch, u.SessionEpoch+1)
		}
		if got := sessionRows(t, s, u.ID); len(got) != 0 {
			t.Errorf("sessions: %d, want 0", len(got))
		}
	})

	t.Run("a disabled user cannot sign in and their sessions end; enabled again, they can", func(t *testing.T) {
		s, u := newUser(t)
		if _, err := s.SetUserDisabled(ctx, u.ID, true, testNow); err != nil {
			t.Fatal(err)
		}
		err := signsIn(s, "first-password-1")
		if !errors.Is(err, domain.ErrUserDisabled) || !errors.Is(err, domain.ErrBadCredentials) {
			t.Errorf("sign-in of the disabled user: got %v, want domain.ErrUserDisabled, which is also ErrBadCredentials", err)
		}
		if got, _ := s.UserByID(ctx, u.ID); !got.Disabled || got.SessionEpoch != u.SessionEpoch+1 {
			t.Errorf("user after disabling: %+v, want Disabled and the epoch moved on", got)
		}
		if got := sessionRows(t, s, u.ID); len(got) != 0 {
			t.Errorf("sessions: %d, want 0", len(got))
		}
		if _, err := s.SetUserDisabled(ctx, u.ID, false, testNow); err != nil {
			t.Fatal(err)
		}
		if err := signsIn(s, "first-password-1"); err != nil {
			t.Errorf("sign-in after enabling: %v", err)
		}
	})

	t.Run("a reset link is stored hashed, sets a password once, and expires after 24 hours", func(t *testing.T) {
		s, u := newUser(t)
		token, expires, err := s.CreatePasswordReset(ctx, u.ID, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if !expires.Equal(testNow.Add(24 * time.Hour)) {
			t.Errorf("expires %s, want 24 h after %s", expires, testNow)
		}
		var stored string
		s.rdq().QueryRow(`SELECT token_hash FROM password_resets`).Scan(&stored)
		if stored != tokenHash(token) {
			t.Errorf("stored %q, want the token's SHA-256, never the token", stored)
		}
		if got, _, err := s.PasswordResetUser(ctx, token, testNow.Add(23*time.Hour)); err != nil || got.ID != u.ID {
			t.Errorf("the link after 23 h: %v %v, want the user", got.ID, err)
		}
		if _, _, err := s.PasswordResetUser(ctx, token, testNow.Add(24*time.Hour)); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("the link after 24 h: got %v, want ErrNotFound", err)
		}
		if err := signsIn(s, "first-password-1"); err != nil {
			t.Errorf("the current password before the link is used: %v", err)
		}
		var ve *domain.ValidationError
		if _, err := s.ResetPassword(ctx, token, "password1234", testNow.Add(time.Hour)); !errors.As(err, &ve) {
			t.Errorf("a common password through the link: got %v, want a validation error", err)
		}
		if _, err := s.ResetPassword(ctx, token, "third-password-3", testNow.Add(time.Hour)); err != nil {
			t.Fatalf("reset: %v", err)
		}
		if err := signsIn(s, "third-password-3"); err != nil {
			t.Errorf("the new password: %v", err)
		}
		if got := sessionRows(t, s, u.ID); len(got) != 0 {
			t.Errorf("sessions after the reset: %d, want 0", len(got))
		}
		if _, err := s.ResetPassword(ctx, token, "fourth-password-4", testNow.Add(2*time.Hour)); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("the link used twice: got %v, want ErrNotFound", err)
		}
	})

	t.Run("a new reset link replaces the one before", func(t *testing.T) {
		s, u := newUser(t)
		first, _, _ := s.CreatePasswordReset(ctx, u.ID, testNow)
		second, _, _ := s.CreatePasswordReset(ctx, u.ID, testNow)
		if _, _, err := s.PasswordResetUser(ctx, first, testNow); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("the first link: got %v, want ErrNotFound", err)
		}
		if _, _, err := s.PasswordResetUser(ctx, second, testNow); err != nil {
			t.Errorf("the second link: %v", err)
		}
	})
}

func TestSecretIsMadeOnceAndShared(t *testing.T) {
	s, path := openTestStore(t)
	ctx := context.Background()
	first, err := s.Secret(ctx, "csrf_key")
	if err != nil || len(first) != 32 {
		t.Fatalf("Secret: %d bytes, %v; want 32", len(first), err)
	}
	other, err := Open(ctx, path) // a second server on the same database
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	second, err := other.Secret(ctx, "csrf_key")
	if err != nil || string(second) != string(first) {
		t.Errorf("the second server's secret differs (%v)", err)
	}
}

func TestMigrationDropsClearTextSessions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		t.Fatal(err)
	}
	all, err := migrations(sqliteDialect())
	if err != nil {
		t.Fatal(err)
	}
	raw.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`)
	for _, m := range all {
		if m.name == "0005_credentials.sql" {
			break
		}
		if _, err := raw.Exec(m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		raw.Exec(`INSERT INTO schema_migrations VALUES (?, ?, 0)`, m.version, m.name)
	}
	if _, err := raw.Exec(`INSERT INTO web_sessions (token, data, expiry) VALUES ('clear-text-token', x'00', ?)`, time.Now().Add(time.Hour).Unix()); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := s.rdq().QueryRow(`SELECT COUNT(*) FROM web_sessions`).Scan(&n); err != nil || n != 0 {
		t.Errorf("web sessions after the migration: %d (%v), want 0: everyone signs in again", n, err)
	}
	if _, ok, _ := s.WebSessions().Find("clear-text-token"); ok {
		t.Errorf("the clear-text session still signs in")
	}
}
