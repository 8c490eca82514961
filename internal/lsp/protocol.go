package lsp

// The parts of LSP 3.17's types this server speaks.

type position struct {
	Line      int `json:"line"`
	Character int `json:"character"` // UTF-16 code units
}

type rng struct {
	Start position `json:"start"`
	End   position `json:"end"`
}

type location struct {
	URI   string `json:"uri"`
	Range rng    `json:"range"`
}

type diagnostic struct {
	Range    rng    `json:"range"`
	Severity int    `json:"severity"` // 1 error, 2 warning
	Code     string `json:"code,omitempty"`
	Source   string `json:"source"`
	Message  string `json:"message"`
}

type publishDiagnosticsParams struct {
	URI         string       `json:"uri"`
	Diagnostics []diagnostic `json:"diagnostics"`
}

type textDocumentItem struct {
	URI  string `json:"uri"`
	Text string `json:"text"`
}

type textDocumentIdentifier struct {
	URI string `json:"uri"`
}

type didOpenParams struct {
	TextDocument textDocumentItem `json:"textDocument"`
}

type didChangeParams struct {
	TextDocument   textDocumentIdentifier `json:"textDocument"`
	ContentChanges []struct {
		Text string `json:"text"` // full sync: the whole document
	} `json:"contentChanges"`
}

type textDocumentPositionParams struct {
	TextDocument textDocumentIdentifier `json:"textDocument"`
	Position     position               `json:"position"`
}

type documentSymbol struct {
	Name           string `json:"name"`
	Detail         string `json:"detail,omitempty"`
	Kind           int    `json:"kind"`
	Range          rng    `json:"range"`
	SelectionRange rng    `json:"selectionRange"`
}

// Symbol kinds.
const (
	symbolModule   = 2
	symbolClass    = 5
	symbolFunction = 12
	symbolVariable = 13
	symbolObject   = 19
)

type hover struct {
	Contents markupContent `json:"contents"`
	Range    *rng          `json:"range,omitempty"`
}

type markupContent struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

type textEdit struct {
	Range   rng    `json:"range"`
	NewText string `json:"newText"`
}

type completionItem struct {
	Label         string `json:"label"`
	Kind          int    `json:"kind"`
	Detail        string `json:"detail,omitempty"`
	Documentation string `json:"documentation,omitempty"`
}

// Completion item kinds.
const (
	kindProperty = 10
	kindClass    = 7
	kindModule   = 9
	kindVariable = 6
	kindKeyword  = 14
	kindFunction = 3
	kindValue    = 12
)

type command struct {
	Title     string `json:"title"`
	Command   string `json:"command"`
	Arguments []any  `json:"arguments,omitempty"`
}

type codeLens struct {
	Range   rng      `json:"range"`
	Command *command `json:"command,omitempty"`
}

type inlayHint struct {
	Position    position `json:"position"`
	Label       string   `json:"label"`
	PaddingLeft bool     `json:"paddingLeft,omitempty"`
}

// logMessage is window/logMessage's and window/showMessage's params.
type logMessage struct {
	Type    int    `json:"type"`
	Message string `json:"message"`
}

// Message types.
const (
	messageError = 1
	messageInfo  = 3
	messageLog   = 4
)
