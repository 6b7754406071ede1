package domain

import (
	"time"
)

// LiveSession is a user in a room right now.
type LiveSession struct {
	SessionID string
	User      string
	Joined    time.Time
}

// RoomKey names a room of a bill's room list, which is in (App, Room)
// order: a page of the list starts after one. The zero RoomKey is before
// every room.
type RoomKey struct {
	App  int64
	Room string
}
