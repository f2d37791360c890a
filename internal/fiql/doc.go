// Package fiql parses and evaluates the FIQL filter language accepted by the
// Cloud Director OpenAPI list endpoints (the "filter" query parameter of
// /cloudapi/1.0.0/tokens, /sessions, /serviceAccounts and friends).
//
// # Syntax
//
// A filter is a boolean combination of comparisons:
//
//	filter     = or
//	or         = and *( "," and )          ; "," is OR
//	and        = term *( ";" term )        ; ";" is AND, binds tighter than ","
//	term       = "(" or ")" / comparison
//	comparison = selector operator value
//	selector   = name *( "." name )        ; e.g. owner.name
//	name       = ALPHA *( ALPHA / DIGIT / "_" )
//	operator   = "==" / "!=" / "=gt=" / "=lt=" / "=ge=" / "=le="
//
// A value runs up to the next unescaped ";", "," or ")" or the end of the
// input, so it may freely contain "=" and ":" (URNs). A backslash escapes the
// next character; only \( \) \, \; \\ \* and "\ " (space) are accepted, so
// typos are reported instead of silently changing meaning. An unescaped "("
// inside a value is rejected because the matching ")" would end the value.
//
// Whitespace is only ever part of a value. It is an error anywhere else
// (around selectors, operators and parentheses), and an unescaped space at the
// very start or end of a value is rejected too, because "a==b ;c==d" is far
// more likely a typo than a search for "b ". Write "\ " to mean a real
// leading or trailing space. Control characters and invalid UTF-8 are
// rejected: PostgreSQL cannot store them in text columns and SQLite's LIKE
// stops at NUL, so allowing them would break agreement between Match and SQL.
//
// Limits: at most MaxLength bytes, MaxDepth nested parentheses and
// MaxComparisons comparisons.
//
// Nothing in the package is mutated after construction, so an Expr and a
// Schema may be shared by concurrent goroutines as long as callers do not
// modify them.
//
// # Semantics
//
// With "==", an unescaped "*" in the value is a wildcard matching any run of
// characters (including none), and a wildcard comparison ignores case. With
// every other operator "*" is an ordinary character. Without wildcards "=="
// and "!=" are exact unless the Field is CaseInsensitive. Ordering operators
// are only valid on Int and Time fields.
//
// Case folding is ASCII-only (A-Z to a-z) everywhere: SQLite's lower() only
// folds ASCII, and Match folds the same way so both agree. See SQL for how to
// get the same behaviour from PostgreSQL.
//
// A missing value (SQL NULL; nil from the Match getter) is not equal to
// anything: "==" and the ordering operators are false for it and "!=" is
// true. Since the language has no negation, this two-valued rule and SQL's
// three-valued logic give the same rows.
//
// Enum fields are compared exactly and case-sensitively (unless marked
// CaseInsensitive), and reject wildcards outright rather than treating "*" as
// a literal: an enum pattern is almost certainly a mistake and silently
// matching nothing would hide it. Field.Values optionally restricts the
// accepted enum values.
//
// # Errors
//
// Every parse and schema error is a *SyntaxError whose Offset is the 0-based
// byte offset of the offending character (len(filter) for a premature end).
// Its Error text reports the 1-based position, which is what a person
// counting characters expects.
package fiql
