package handlers

import "github.com/labstack/echo/v4"

func (h *Handler) showAccounts(c echo.Context) error    { return errNotFound }
func (h *Handler) submitAccount(c echo.Context) error   { return errNotFound }
func (h *Handler) showAccountPage(c echo.Context) error { return errNotFound }
func (h *Handler) showBuy(c echo.Context) error         { return errNotFound }
func (h *Handler) submitBuy(c echo.Context) error       { return errNotFound }
func (h *Handler) showOrder(c echo.Context) error       { return errNotFound }
