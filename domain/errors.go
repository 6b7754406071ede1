package domain

import (
	"errors"
	"fmt"
)

// Errors the service layer returns; compare with errors.Is.
var (
	ErrNotFound            = errors.New("store: not found")
	ErrServiceClosed       = errors.New("store: service closed")
	ErrAlreadyJoined       = errors.New("store: user already in the room")
	ErrNotInRoom           = errors.New("store: user not in the room")
	ErrIdempotencyConflict = errors.New("store: idempotency key used for another request")
)

// ValidationError says what was wrong with the input, in which field and,
// for a batch, which row (Index is -1 when no row applies). Message is in
// English, for the API, the command line and the logs; Key and Data are
// for the pages, which say it in the reader's language (the message
// "invalid.KEY" of views/locales, with Data's name, value pairs).
type ValidationError struct {
	Field   string
	Index   int
	Message string
	Key     string
	Data    []any
}

// Because gives e its message key and data, and returns e.
func (e *ValidationError) Because(key string, pairs ...any) *ValidationError {
	e.Key, e.Data = key, pairs
	return e
}

func (e *ValidationError) Error() string {
	if e.Index >= 0 {
		return fmt.Sprintf("store: row %d, %s: %s", e.Index, e.Field, e.Message)
	}
	return fmt.Sprintf("store: %s: %s", e.Field, e.Message)
}

// Invalid is a ValidationError of field, not of a row of a batch.
func Invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Index: -1, Message: fmt.Sprintf(format, args...)}
}

// ErrBackupExists is returned by a backup when its target file is already
// there: a backup never overwrites anything.
var ErrBackupExists = errors.New("store: backup target already exists")

// ErrImportBusy is an import refused because another import of the same
// account is in progress, on this server or another sharing the database.
var ErrImportBusy = errors.New("store: an import of this account is in progress")

// ErrUserDisabled is a sign-in with the right password of a disabled user.
// It is also ErrBadCredentials, so that it gets the same answer.
var ErrUserDisabled = fmt.Errorf("%w (the user is disabled)", ErrBadCredentials)

// ErrEmailTaken is a sign-up or a new user with an e-mail already in use.
var ErrEmailTaken = errors.New("store: e-mail already has a user")
