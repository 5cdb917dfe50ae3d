// Package memo remembers what a command computed from its inputs, so that a run with exactly the
// same inputs can give the same answer without the work: `acct list` and `acct generate` of a
// 10,000-profile config spend most of their time parsing.
//
// An answer is keyed by a SHA-256 digest of every input, of acct's own build, and of the flags
// that change the answer. An input is a file's content, or, where reading the file is the cost
// to save (a warm exec), its Identity: size and times, which two writes within one clock tick can
// leave unchanged, so such an answer is stored only once the file has settled. Anything that
// does not match, or does not decode, is ignored; deleting the files is always safe. Callers keep
// secrets out of what they store.
package memo

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash"
	"hash/crc32"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"sync"

	"github.com/acct-cli/acct/internal/atomicfile"
)

// Key is the digest of a command's inputs.
type Key [sha256.Size]byte

// Hash builds a Key from inputs. Every input is length-prefixed, so no two different lists of
// inputs give the same stream.
type Hash struct{ h hash.Hash }

// NewHash starts a Key for what kind of answer, from this build of acct.
func NewHash(kind string) *Hash {
	h := &Hash{h: sha256.New()}
	h.Add(Build(), kind)
	return h
}

// Add adds inputs given as text.
func (h *Hash) Add(inputs ...string) {
	for _, s := range inputs {
		h.h.Write(binary.AppendUvarint(nil, uint64(len(s))))
		h.h.Write([]byte(s))
	}
}

// AddBytes adds one input given as bytes.
func (h *Hash) AddBytes(b []byte) {
	h.h.Write(binary.AppendUvarint(nil, uint64(len(b))))
	h.h.Write(b)
}

// Key is the digest of the inputs added so far.
func (h *Hash) Key() Key {
	var k Key
	h.h.Sum(k[:0])
	return k
}

var build = sync.OnceValue(func() string {
	id := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		id = bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
				id += " " + s.Value
			}
		}
	}
	// A development build keeps its version and revision across changes: the executable file's
	// identity tells builds apart (a new build is a new file).
	exe, err := os.Executable()
	if err != nil {
		return id
	}
	st, err := os.Stat(exe)
	if err != nil {
		return id
	}
	return id + " " + exe + " " + strconv.FormatInt(st.Size(), 10) + " " + strconv.FormatInt(st.ModTime().UnixNano(), 10)
})

// Build identifies this build of acct: a remembered answer of another build is not used.
func Build() string { return build() }

// Entry is what a File holds: the keys of the inputs an answer was computed from, and the answer.
type Entry struct {
	Keys  []Key
	Value []byte
}

// File keeps one Entry at Path; a new one replaces it.
type File struct{ Path string }

// magic starts every file; a change of format changes it.
const magic = "acct memo 2\n"

// checksum tells whether a file holds what Store wrote (a torn or damaged copy is ignored); the
// keys, not the checksum, tell whether the answer is still right. The CPU computes CRC-32 at
// several GB/s, SHA-256 at about 0.5 here. IEEE's, not Castagnoli's: Go builds Castagnoli's
// tables in 0.2 ms, which every acct start paid, IEEE's lazily in a few microseconds.
func checksum(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

// Load returns the entry in the file; ok is false when there is none, or it does not decode or
// does not match its checksum.
func (f File) Load() (e Entry, ok bool) {
	data, err := os.ReadFile(f.Path)
	if err != nil {
		return Entry{}, false
	}
	rest, found := bytes.CutPrefix(data, []byte(magic))
	if !found || len(rest) < 4 {
		return Entry{}, false
	}
	if binary.LittleEndian.Uint32(rest) != checksum(rest[4:]) {
		return Entry{}, false
	}
	body := rest[4:]
	n, w := binary.Uvarint(body)
	if w <= 0 || n > uint64(len(body)/sha256.Size) {
		return Entry{}, false
	}
	body = body[w:]
	e.Keys = make([]Key, n)
	for i := range e.Keys {
		copy(e.Keys[i][:], body)
		body = body[sha256.Size:]
	}
	e.Value = body
	return e, true
}

// Store replaces the file's entry: atomically, mode 0600, in a directory of mode 0700.
func (f File) Store(e Entry) error {
	if f.Path == "" {
		return errors.New("memo: no file")
	}
	body := binary.AppendUvarint(nil, uint64(len(e.Keys)))
	for _, k := range e.Keys {
		body = append(body, k[:]...)
	}
	body = append(body, e.Value...)
	data := make([]byte, 0, len(magic)+4+len(body))
	data = binary.LittleEndian.AppendUint32(append(data, magic...), checksum(body))
	data = append(data, body...)
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o700); err != nil {
		return err
	}
	return atomicfile.Write(f.Path, data, 0o600)
}

// AppendString appends s to b so that a Reader gives it back.
func AppendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// Reader gives back the strings of a value made with AppendString, in order.
type Reader struct {
	s   string
	bad bool
}

// NewReader reads value. It copies value once; the strings it gives share that copy.
func NewReader(value []byte) *Reader { return &Reader{s: string(value)} }

// String is the next string; "" once the value is used up or malformed (Done tells).
func (r *Reader) String() string {
	n, w := binary.Uvarint([]byte(r.s[:min(len(r.s), binary.MaxVarintLen64)]))
	if w <= 0 || n > uint64(len(r.s)-w) {
		r.bad, r.s = true, ""
		return ""
	}
	s := r.s[w : w+int(n)]
	r.s = r.s[w+int(n):]
	return s
}

// Done tells whether every string was read and none was malformed.
func (r *Reader) Done() bool { return !r.bad && r.s == "" }
