package handlers

import "github.com/labstack/echo/v4"

// Placeholder until the bills pages land: answers 404.
func (h *Handler) showBillsPage(c echo.Context) error { return errNotFound }
func (h *Handler) showBillPage(c echo.Context) error  { return errNotFound }
