//go:build !linux

package session

import "time"

// Only Linux has the kernel keyring; elsewhere the OS keyring is the backend to use, and the file
// keyring asks for its passphrase every time.

func kernelKeyRead(string) (string, error)             { return "", errNoKernelKeyring }
func kernelKeyAdd(string, string, time.Duration) error { return errNoKernelKeyring }
func kernelKeyForget(string) error                     { return errNoKernelKeyring }
