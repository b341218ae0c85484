package checkpoints

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"mathzero/fp8"
)

// Tensor is a named, dense, row-major (C order) array of float32 values (Dtype F32, the zero
// value: the elements are in Data) or of raw FP8 E4M3 codes (Dtype F8E4M3: the elements are in
// Codes, and Data is empty). The slice that holds the elements has the product of Shape
// elements; a scalar has Shape [] (or nil) and one element.
//
// An FP8 tensor is usually half of a pair: its float32 values are Codes times the block scales in
// the F32 tensor named Name+ScaleInvSuffix (see QuantizeWeights and DequantizeWeights).
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32  // the elements when Dtype is F32
	Dtype Dtype      // element type in the file: F32 (the zero value) or F8E4M3
	Codes []fp8.E4M3 // the elements when Dtype is F8E4M3
}

// Dtype is the element type of a Tensor, named as in the safetensors format by String.
type Dtype uint8

// The dtypes this package reads and writes.
const (
	F32    Dtype = iota // "F32": IEEE 754 binary32, little-endian; Tensor.Data
	F8E4M3              // "F8_E4M3": OCP FP8 E4M3 (package fp8), one byte each; Tensor.Codes
)

// String returns the safetensors name of d: "F32", "F8_E4M3", or "Dtype(n)" for others.
func (d Dtype) String() string {
	switch d {
	case F32:
		return "F32"
	case F8E4M3:
		return "F8_E4M3"
	}
	return fmt.Sprintf("Dtype(%d)", uint8(d))
}

// size returns the bytes per element of a valid d.
func (d Dtype) size() int {
	if d == F8E4M3 {
		return 1
	}
	return 4
}

// len returns the number of elements t holds in the slice its Dtype says, and the number it
// holds in the other one, which must be 0.
func (t *Tensor) len() (elems, stray int) {
	if t.Dtype == F8E4M3 {
		return len(t.Codes), len(t.Data)
	}
	return len(t.Data), len(t.Codes)
}

// metadataKey is the reserved header key holding the string->string metadata.
const metadataKey = "__metadata__"

// maxHeaderLen bounds the JSON header, as the Hugging Face reader does (MAX_HEADER_SIZE).
const maxHeaderLen = 100_000_000

// chunkSize is the scratch buffer used to convert between bytes and elements.
const chunkSize = 64 << 10

// dtypes are the element types ReadSafetensors accepts, keyed by their safetensors name.
// Adding one (BF16, say) means an entry here, a Dtype constant, and a case in readTensor and
// writeTensor.
var dtypes = map[string]Dtype{
	"F32":     F32,
	"F8_E4M3": F8E4M3,
}

// hfDtypes are the other dtype names of the safetensors format: known, but not decoded here.
var hfDtypes = []string{
	"BOOL", "U8", "I8", "F8_E5M2", "I16", "U16", "F16", "BF16",
	"I32", "U32", "F64", "I64", "U64",
}

// WriteSafetensors writes tensors in the safetensors format to w, each in its Dtype (F32, or
// F8_E4M3 for FP8 codes):
//
//	8 bytes   N, the header length, little-endian uint64
//	N bytes   JSON header {"__metadata__": {...}, "name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}
//	...       the data buffer: each tensor's elements, row-major (float32 little-endian; FP8 one byte each)
//
// Offsets are relative to the start of the data buffer. Tensors are laid out back to back, wider
// elements first (F32 before F8_E4M3) and by name within a dtype, and the header is padded with
// spaces so that N is a multiple of 8 (both as the Hugging Face writer does: every tensor starts
// at a multiple of its element size in the file), so the same tensors and metadata always give the
// same bytes. The header lists the tensors in the same order.
// The metadata section is omitted when metadata is empty.
//
// Names must be unique, non-empty, valid UTF-8 and not "__metadata__"; each tensor's Dtype must
// be F32 or F8E4M3, the slice it names (Data or Codes) must hold the product of its Shape
// elements, and the other slice must be empty.
func WriteSafetensors(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header, order, err := encodeHeader(tensors, metadata)
	if err != nil {
		return fmt.Errorf("checkpoints: safetensors: %w", err)
	}
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(header)))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return fmt.Errorf("checkpoints: safetensors: write header length: %w", err)
	}
	if _, err := w.Write(header); err != nil {
		return fmt.Errorf("checkpoints: safetensors: write header: %w", err)
	}
	buf := make([]byte, chunkSize)
	for _, t := range order {
		if err := writeTensor(w, t, buf); err != nil {
			return fmt.Errorf("checkpoints: safetensors: write tensor %q: %w", t.Name, err)
		}
	}
	return nil
}

// writeTensor writes the elements of a validated t through the scratch buffer buf.
func writeTensor(w io.Writer, t *Tensor, buf []byte) error {
	switch t.Dtype {
	case F32:
		for data := t.Data; len(data) > 0; {
			n := min(len(data), len(buf)/4)
			for i, v := range data[:n] {
				binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
			}
			if _, err := w.Write(buf[:4*n]); err != nil {
				return err
			}
			data = data[n:]
		}
	case F8E4M3:
		for codes := t.Codes; len(codes) > 0; {
			n := min(len(codes), len(buf))
			for i, c := range codes[:n] {
				buf[i] = byte(c)
			}
			if _, err := w.Write(buf[:n]); err != nil {
				return err
			}
			codes = codes[n:]
		}
	}
	return nil
}

// encodeHeader validates tensors and metadata and returns the padded JSON header and the tensors
// in data order.
func encodeHeader(tensors []Tensor, metadata map[string]string) ([]byte, []*Tensor, error) {
	order := make([]*Tensor, len(tensors))
	for i := range tensors {
		order[i] = &tensors[i]
	}
	slices.SortFunc(order, func(a, b *Tensor) int { return strings.Compare(a.Name, b.Name) })
	for i := 1; i < len(order); i++ {
		if order[i-1].Name == order[i].Name {
			return nil, nil, fmt.Errorf("tensor %q: duplicate name", order[i].Name)
		}
	}
	slices.SortStableFunc(order, func(a, b *Tensor) int { return cmp.Compare(b.Dtype.size(), a.Dtype.size()) })

	var h bytes.Buffer
	h.WriteByte('{')
	if len(metadata) > 0 {
		keys := make([]string, 0, len(metadata))
		for k, v := range metadata {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return nil, nil, fmt.Errorf("metadata %q: key or value is not valid UTF-8", k)
			}
			keys = append(keys, k)
		}
		slices.Sort(keys)
		writeJSONString(&h, metadataKey)
		h.WriteString(":{")
		for i, k := range keys {
			if i > 0 {
				h.WriteByte(',')
			}
			writeJSONString(&h, k)
			h.WriteByte(':')
			writeJSONString(&h, metadata[k])
		}
		h.WriteByte('}')
	}
	var offset int64
	for _, t := range order {
		switch {
		case t.Name == "":
			return nil, nil, errors.New("tensor with empty name")
		case t.Name == metadataKey:
			return nil, nil, fmt.Errorf("tensor %q: name is reserved", t.Name)
		case !utf8.ValidString(t.Name):
			return nil, nil, fmt.Errorf("tensor %q: name is not valid UTF-8", t.Name)
		}
		if t.Dtype != F32 && t.Dtype != F8E4M3 {
			return nil, nil, fmt.Errorf("tensor %q: unknown %v", t.Name, t.Dtype)
		}
		n, err := numel(t.Shape)
		if err != nil {
			return nil, nil, fmt.Errorf("tensor %q: %w", t.Name, err)
		}
		elems, stray := t.len()
		if n != int64(elems) {
			what := "data"
			if t.Dtype == F8E4M3 {
				what = "codes"
			}
			return nil, nil, fmt.Errorf("tensor %q: shape %v has %d elements, %s has %d", t.Name, t.Shape, n, what, elems)
		}
		if stray != 0 {
			what := "Codes"
			if t.Dtype == F8E4M3 {
				what = "Data"
			}
			return nil, nil, fmt.Errorf("tensor %q: %v tensor with %d elements in %s, want none", t.Name, t.Dtype, stray, what)
		}
		end := offset + int64(t.Dtype.size())*n
		if h.Len() > 1 {
			h.WriteByte(',')
		}
		writeJSONString(&h, t.Name)
		h.WriteString(`:{"dtype":"` + t.Dtype.String() + `","shape":[`)
		for j, d := range t.Shape {
			if j > 0 {
				h.WriteByte(',')
			}
			h.WriteString(strconv.Itoa(d))
		}
		fmt.Fprintf(&h, `],"data_offsets":[%d,%d]}`, offset, end)
		offset = end
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	return h.Bytes(), order, nil
}

// writeJSONString appends s as a JSON string, without HTML escaping.
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)           // cannot fail for a string
	b.Truncate(b.Len() - 1) // drop Encode's newline
}

// numel returns the product of shape (1 for a scalar), rejecting negative dimensions and
// products that overflow int64 bytes at 8 bytes per element (the widest safetensors dtype).
func numel(shape []int) (int64, error) {
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("shape %v has a negative dimension", shape)
		}
	}
	if slices.Contains(shape, 0) {
		return 0, nil
	}
	const limit = math.MaxInt64 / 8
	n := int64(1)
	for _, d := range shape {
		if int64(d) > limit/n {
			return 0, fmt.Errorf("shape %v overflows: element count exceeds %d", shape, int64(limit))
		}
		n *= int64(d)
	}
	return n, nil
}

// An entry is one tensor's header record.
type entry struct {
	name       string
	dtypeName  string
	dt         Dtype
	shape      []int
	begin, end int64
}

// ReadSafetensors reads a safetensors file of the given total size from r, and returns its
// tensors sorted by name and its metadata (nil when the file has none).
//
// Nothing in the file is trusted: the header length must fit in size and in 100 MB; the header must
// be a UTF-8 JSON object with no duplicate keys, holding "__metadata__" (string values only) and
// tensor records with exactly the fields dtype (F32 or F8_E4M3), shape (non-negative
// integers) and data_offsets ([begin, end]); every record must satisfy
// product(shape)*sizeof(dtype) == end-begin with no overflow; and the records, sorted by offset,
// must tile the data buffer exactly: no gap, no overlap, no byte past the last tensor.
// Allocation is bounded by size. Every error is one line that names the problem and the tensor.
//
// F32 tensors come back with their values in Data; F8_E4M3 tensors with Dtype F8E4M3 and their
// raw codes in Codes (DequantizeWeights turns them and their scales into F32 tensors).
func ReadSafetensors(r io.ReaderAt, size int64) ([]Tensor, map[string]string, error) {
	tensors, meta, err := readSafetensors(r, size)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoints: safetensors: %w", err)
	}
	return tensors, meta, nil
}

// readSafetensors is ReadSafetensors without the package prefix on errors, for callers that add
// their own context.
func readSafetensors(r io.ReaderAt, size int64) ([]Tensor, map[string]string, error) {
	if size < 8 {
		return nil, nil, fmt.Errorf("file has %d bytes, too short for the 8-byte header length (truncated?)", size)
	}
	var lenBuf [8]byte
	if err := readAtFull(r, lenBuf[:], 0); err != nil {
		return nil, nil, fmt.Errorf("read header length: %w", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	switch {
	case n > uint64(size-8):
		return nil, nil, fmt.Errorf("header length %d exceeds file size %d (truncated?)", n, size)
	case n > maxHeaderLen:
		return nil, nil, fmt.Errorf("header length %d exceeds the %d-byte limit", n, maxHeaderLen)
	case n < 2:
		return nil, nil, fmt.Errorf("header length %d is too short for a JSON object", n)
	}
	header := make([]byte, n)
	if err := readAtFull(r, header, 8); err != nil {
		return nil, nil, fmt.Errorf("read header: %w", err)
	}
	entries, meta, err := parseHeader(header)
	if err != nil {
		return nil, nil, err
	}
	dataStart := 8 + int64(n)
	bufLen := size - dataStart
	if err := checkLayout(entries, bufLen); err != nil {
		return nil, nil, err
	}

	// Read in offset order, which checkLayout left the entries in.
	tensors := make([]Tensor, len(entries))
	scratch := make([]byte, min(chunkSize, bufLen))
	for i, e := range entries {
		t, err := readTensor(r, e, dataStart, scratch)
		if err != nil {
			return nil, nil, err
		}
		tensors[i] = t
	}
	slices.SortFunc(tensors, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })
	return tensors, meta, nil
}

// readTensor reads the elements of the validated entry e, whose data starts at byte
// dataStart+e.begin of r, through the scratch buffer.
func readTensor(r io.ReaderAt, e entry, dataStart int64, scratch []byte) (Tensor, error) {
	size := e.dt.size()
	count := int((e.end - e.begin) / int64(size))
	t := Tensor{Name: e.name, Shape: e.shape, Dtype: e.dt}
	var decode func(done int, b []byte)
	switch e.dt {
	case F32:
		t.Data = make([]float32, count)
		decode = func(done int, b []byte) {
			for i := range len(b) / 4 {
				t.Data[done+i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
			}
		}
	case F8E4M3:
		t.Codes = make([]fp8.E4M3, count)
		decode = func(done int, b []byte) {
			for i, c := range b {
				t.Codes[done+i] = fp8.E4M3(c)
			}
		}
	}
	per := chunkSize / size // elements per chunk
	off := dataStart + e.begin
	for done := 0; done < count; {
		k := min(count-done, per)
		b := scratch[:k*size]
		if err := readAtFull(r, b, off); err != nil {
			return Tensor{}, fmt.Errorf("tensor %q: read data at byte %d: %w", e.name, off, err)
		}
		decode(done, b)
		done += k
		off += int64(len(b))
	}
	return t, nil
}

// readAtFull fills b from r at off, reporting a short read as io.ErrUnexpectedEOF.
func readAtFull(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// checkLayout checks that entries tile a data buffer of bufLen bytes exactly, and sorts them by
// offset.
func checkLayout(entries []entry, bufLen int64) error {
	for _, e := range entries {
		if e.end > bufLen {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] exceed the %d-byte data buffer (truncated?)", e.name, e.begin, e.end, bufLen)
		}
	}
	slices.SortFunc(entries, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end), strings.Compare(a.name, b.name))
	})
	var pos int64
	for i, e := range entries {
		switch {
		case e.begin < pos:
			p := entries[i-1]
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] overlap tensor %q [%d, %d]", e.name, e.begin, e.end, p.name, p.begin, p.end)
		case e.begin > pos:
			return fmt.Errorf("tensor %q: gap of %d bytes before its data_offsets [%d, %d]", e.name, e.begin-pos, e.begin, e.end)
		}
		pos = e.end
	}
	if pos != bufLen {
		return fmt.Errorf("%d trailing bytes after the last tensor (data buffer is %d bytes, tensors cover %d)", bufLen-pos, bufLen, pos)
	}
	return nil
}

// parseHeader parses the JSON header token by token, so that duplicate keys, which
// encoding/json would silently merge, are caught.
func parseHeader(h []byte) ([]entry, map[string]string, error) {
	if !utf8.Valid(h) {
		return nil, nil, errors.New("header is not valid UTF-8")
	}
	if h[0] != '{' {
		return nil, nil, fmt.Errorf("header starts with %q, not '{'", h[0])
	}
	dec := json.NewDecoder(bytes.NewReader(h))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // '{', checked above
		return nil, nil, jsonErr("header", err)
	}
	var (
		entries []entry
		meta    map[string]string
		seen    = make(map[string]bool)
	)
	for dec.More() {
		key, err := stringToken(dec, "header key")
		if err != nil {
			return nil, nil, err
		}
		if seen[key] {
			if key == metadataKey {
				return nil, nil, errors.New("duplicate __metadata__")
			}
			return nil, nil, fmt.Errorf("tensor %q: duplicate name", key)
		}
		seen[key] = true
		if key == metadataKey {
			if meta, err = parseMetadata(dec); err != nil {
				return nil, nil, err
			}
			continue
		}
		if key == "" {
			return nil, nil, errors.New("tensor with empty name")
		}
		e, err := parseEntry(dec, key)
		if err != nil {
			return nil, nil, fmt.Errorf("tensor %q: %w", key, err)
		}
		entries = append(entries, e)
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, nil, jsonErr("header", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		off := dec.InputOffset()
		return nil, nil, fmt.Errorf("header has data after the JSON object at byte %d", off)
	}
	return entries, meta, nil
}

func parseMetadata(dec *json.Decoder) (map[string]string, error) {
	if err := expectDelim(dec, '{', "__metadata__"); err != nil {
		return nil, err
	}
	meta := make(map[string]string)
	for dec.More() {
		k, err := stringToken(dec, "__metadata__ key")
		if err != nil {
			return nil, err
		}
		if _, dup := meta[k]; dup {
			return nil, fmt.Errorf("__metadata__: duplicate key %q", k)
		}
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonErr("__metadata__", err)
		}
		v, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("__metadata__[%q] is %s, not a string", k, describe(tok))
		}
		meta[k] = v
	}
	_, err := dec.Token() // '}'
	if err != nil {
		return nil, jsonErr("__metadata__", err)
	}
	return meta, nil
}

func parseEntry(dec *json.Decoder, name string) (entry, error) {
	e := entry{name: name}
	if err := expectDelim(dec, '{', "record"); err != nil {
		return e, err
	}
	var haveDtype, haveShape, haveOffsets bool
	for dec.More() {
		field, err := stringToken(dec, "field name")
		if err != nil {
			return e, err
		}
		switch field {
		case "dtype":
			if haveDtype {
				return e, errors.New("duplicate field dtype")
			}
			haveDtype = true
			if e.dtypeName, err = stringToken(dec, "dtype"); err != nil {
				return e, err
			}
		case "shape":
			if haveShape {
				return e, errors.New("duplicate field shape")
			}
			haveShape = true
			dims, err := intArray(dec, "shape")
			if err != nil {
				return e, err
			}
			e.shape = make([]int, len(dims))
			for i, d := range dims {
				if d > math.MaxInt {
					return e, fmt.Errorf("shape dimension %d out of range", d)
				}
				e.shape[i] = int(d)
			}
		case "data_offsets":
			if haveOffsets {
				return e, errors.New("duplicate field data_offsets")
			}
			haveOffsets = true
			offs, err := intArray(dec, "data_offsets")
			if err != nil {
				return e, err
			}
			if len(offs) != 2 {
				return e, fmt.Errorf("data_offsets has %d values, want 2", len(offs))
			}
			e.begin, e.end = offs[0], offs[1]
		default:
			return e, fmt.Errorf("unknown field %q", field)
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return e, jsonErr("record", err)
	}
	switch {
	case !haveDtype:
		return e, errors.New("missing dtype")
	case !haveShape:
		return e, errors.New("missing shape")
	case !haveOffsets:
		return e, errors.New("missing data_offsets")
	}
	dt, ok := dtypes[e.dtypeName]
	if !ok {
		if slices.Contains(hfDtypes, e.dtypeName) {
			return e, fmt.Errorf("unsupported dtype %q (this reader decodes %s)", e.dtypeName, supported())
		}
		return e, fmt.Errorf("unknown dtype %q (this reader decodes %s)", e.dtypeName, supported())
	}
	e.dt = dt
	n, err := numel(e.shape)
	if err != nil {
		return e, err
	}
	if e.begin > e.end {
		return e, fmt.Errorf("data_offsets [%d, %d] end before they begin", e.begin, e.end)
	}
	if n*int64(dt.size()) != e.end-e.begin {
		return e, fmt.Errorf("shape %v of %s needs %d bytes, data_offsets [%d, %d] hold %d", e.shape, e.dtypeName, n*int64(dt.size()), e.begin, e.end, e.end-e.begin)
	}
	return e, nil
}

// supported lists the decodable dtypes for error messages.
func supported() string {
	names := make([]string, 0, len(dtypes))
	for k := range dtypes {
		names = append(names, k)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// intArray reads a JSON array of non-negative int64 values.
func intArray(dec *json.Decoder, what string) ([]int64, error) {
	if err := expectDelim(dec, '[', what); err != nil {
		return nil, err
	}
	var vals []int64
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonErr(what, err)
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%s holds %s, not an integer", what, describe(tok))
		}
		v, err := strconv.ParseInt(string(num), 10, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return nil, fmt.Errorf("%s value %s out of range", what, num)
			}
			return nil, fmt.Errorf("%s value %s is not an integer", what, num)
		}
		if v < 0 {
			return nil, fmt.Errorf("%s value %d is negative", what, v)
		}
		vals = append(vals, v)
	}
	if _, err := dec.Token(); err != nil { // ']'
		return nil, jsonErr(what, err)
	}
	return vals, nil
}

func expectDelim(dec *json.Decoder, want json.Delim, what string) error {
	tok, err := dec.Token()
	if err != nil {
		return jsonErr(what, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		kind := "an object"
		if want == '[' {
			kind = "an array"
		}
		return fmt.Errorf("%s is %s, not %s", what, describe(tok), kind)
	}
	return nil
}

func stringToken(dec *json.Decoder, what string) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", jsonErr(what, err)
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("%s is %s, not a string", what, describe(tok))
	}
	return s, nil
}

// describe names a JSON token's kind for error messages.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			return "an object"
		case '[':
			return "an array"
		}
		return fmt.Sprintf("%q", string(v))
	case string:
		return "a string"
	case json.Number:
		return "the number " + string(v)
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", tok)
}

func jsonErr(what string, err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%s: bad JSON: %v", what, err)
}
