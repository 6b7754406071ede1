// Package domain holds what the console's parts share about its world:
// accounts, applications, users and their roles, API tokens, sessions as
// received, standings, audit entries; the errors the store answers with
// (compare with errors.Is) and ValidationError; and the validation of user
// input — text limits and characters, passwords, session rows — which runs
// before anything is stored. The rules of billing are package billing's;
// storing is package db's. Handlers and views see these types, never rows.
package domain
