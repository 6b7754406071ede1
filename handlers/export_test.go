package handlers

// SetPageHook lets tests hear each look into a page cache.
func SetPageHook(cfg *Config, f func(cache string, hit bool)) { cfg.pageHook = f }
