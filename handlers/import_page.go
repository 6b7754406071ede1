package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"rtcbill/domain"
	"rtcbill/views"
)

// submitImport answers POST /apps/:sdk_app_id/import: a CSV file of the
// application's finished sessions (multipart field "file"), stored all or
// nothing by the same import as "rtcbill import". It shows the
// applications page again with the counts, or with the line and field that
// refused the file (422). Only those who may change the account can
// import. The request body limit (BodyLimit) caps the file; larger files
// go through the command line.
func (h *Handler) submitImport(c echo.Context) error {
	app, a, err := h.pageAppFor(c, actRecordUsage)
	if err != nil {
		return err
	}
	// One import at a time per account, held in the database so that it
	// holds across servers; the lock expires with the upload's deadline.
	now := h.now()
	release, until, err := h.store.LockImport(c.Request().Context(), a.ID, now, h.limits.ImportTimeout)
	if errors.Is(err, domain.ErrImportBusy) {
		e := errRateLimited(c, until.Sub(now)).(*apiError)
		e.Message = "another import of this account is in progress"
		e.Local = views.ImportBusy(c.Response().Header().Get("Retry-After"))
		return e
	}
	if err != nil {
		return err
	}
	defer release()
	fh, err := c.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return h.renderImported(c, a, http.StatusUnprocessableEntity, views.ImportFailed(app.SDKAppID, nil))
	}
	if err != nil {
		return err
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := h.store.ImportSessionsCSV(c.Request().Context(), app.SDKAppID, f, h.now(), nil)
	var ce *domain.CSVError
	if errors.As(err, &ce) {
		return h.renderImported(c, a, http.StatusUnprocessableEntity, views.ImportFailed(app.SDKAppID, ce))
	}
	if err != nil {
		return err
	}
	return h.renderImported(c, a, http.StatusOK, views.ImportDone(app.SDKAppID, res))
}

// renderImported shows account a's applications page with the outcome of
// an import.
func (h *Handler) renderImported(c echo.Context, a domain.Account, status int, imp views.AppImport) error {
	return h.renderApps(c, a, status, func(p *views.AppsPage, _ []domain.App) { p.Import = imp })
}
