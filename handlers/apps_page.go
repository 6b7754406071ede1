package handlers

import "github.com/labstack/echo/v4"

// Placeholders until the applications and rooms pages land: answer 404.
func (h *Handler) showAppsPage(c echo.Context) error    { return errNotFound }
func (h *Handler) submitApp(c echo.Context) error       { return errNotFound }
func (h *Handler) showRoomPage(c echo.Context) error    { return errNotFound }
func (h *Handler) showLivePage(c echo.Context) error    { return errNotFound }
func (h *Handler) submitLiveJoin(c echo.Context) error  { return errNotFound }
func (h *Handler) submitLiveLeave(c echo.Context) error { return errNotFound }
