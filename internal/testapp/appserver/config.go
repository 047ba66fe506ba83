package appserver

import (
	"fmt"
	"strconv"
	"time"
)

// config is what the environment asks of the app.
type config struct {
	port            string
	version         string
	failHealth      bool
	failHealthAfter time.Duration
	failRate        float64
	delay           time.Duration
	exitAfter       time.Duration
	exitCode        int
}

// loadConfig reads the app's settings through getenv.
func loadConfig(getenv func(string) string) (config, error) {
	cfg := config{port: "8080", version: "dev", exitCode: 1}
	if v := getenv("PORT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 65535 {
			return config{}, fmt.Errorf("PORT=%q is not a port number", v)
		}
		cfg.port = v
	}
	if v := getenv("VERSION"); v != "" {
		cfg.version = v
	}
	cfg.failHealth = getenv("FAIL_HEALTH") == "1"
	var err error
	if cfg.failHealthAfter, err = duration(getenv, "FAIL_HEALTH_AFTER"); err != nil {
		return config{}, err
	}
	if cfg.delay, err = duration(getenv, "DELAY"); err != nil {
		return config{}, err
	}
	if cfg.exitAfter, err = duration(getenv, "EXIT_AFTER"); err != nil {
		return config{}, err
	}
	if v := getenv("EXIT_CODE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 255 {
			return config{}, fmt.Errorf("EXIT_CODE=%q is not an exit code from 0 to 255", v)
		}
		cfg.exitCode = n
	}
	if v := getenv("FAIL_RATE"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0 || r > 1 {
			return config{}, fmt.Errorf("FAIL_RATE=%q is not a number from 0 to 1", v)
		}
		cfg.failRate = r
	}
	return cfg, nil
}

func duration(getenv func(string) string, key string) (time.Duration, error) {
	v := getenv(key)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s=%q is not a duration", key, v)
	}
	return d, nil
}
