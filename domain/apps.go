package domain

import (
	"time"
)

// App is an application (应用), identified by its SDKAppID.
type App struct {
	SDKAppID  int64
	AccountID int64
	Name      string
	CreatedAt time.Time
}
