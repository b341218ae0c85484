package arith

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseQuestion(t *testing.T) {
	tests := []struct {
		in      string
		skill   Skill
		str     string // p.String(); "" for an error
		errPart string // substring of the error
	}{
		// Symbolic forms.
		{"98+45", Skill{Add, 2}, "98+45", ""},
		{"98 + 45", Skill{Add, 2}, "98+45", ""},
		{" 12+3\n", Skill{Add, 2}, "12+3", ""},
		{"\t5 +\n25 ", Skill{Add, 2}, "5+25", ""},
		{"0+0", Skill{Add, 1}, "0+0", ""},
		{"007+45", Skill{Add, 2}, "7+45", ""},
		{"999999-0", Skill{Sub, 6}, "999999-0", ""},
		{"40649-78746", Skill{Sub, 5}, "40649-78746", ""},
		{"95*45", Skill{Mul, 2}, "95*45", ""},
		{"3*4", Skill{Mul, 1}, "3*4", ""},
		{"(9+8)*2", Skill{Composite, 1}, "(9+8)*2", ""},
		{"( 9 - 8 ) - 2", Skill{Composite, 1}, "(9-8)-2", ""},
		{"#8606", Skill{DigitSum, 4}, "#8606", ""},
		{"#0086", Skill{DigitSum, 4}, "#86", ""},
		{"# 7", Skill{DigitSum, 4}, "#7", ""},
		{"98+45=", Skill{Add, 2}, "98+45", ""},
		{"98+45 ?", Skill{Add, 2}, "98+45", ""},
		// English forms.
		{"What is 98 plus 45?", Skill{Add, 2}, "98+45", ""},
		{"What is 5 plus 25?", Skill{Add, 2}, "5+25", ""},
		{"What is 40649 minus 78746?", Skill{Sub, 5}, "40649-78746", ""},
		{"What is 95 times 45?", Skill{Mul, 2}, "95*45", ""},
		{"What is (9 + 8) * 2?", Skill{Composite, 1}, "(9+8)*2", ""},
		{"What is the sum of the digits of the number 8606?", Skill{DigitSum, 4}, "#8606", ""},
		{"what is the sum of the digits of 12", Skill{DigitSum, 4}, "#12", ""},
		{"WHAT  IS\t98 PLUS 45 ?", Skill{Add, 2}, "98+45", ""},
		{"98 plus 45", Skill{Add, 2}, "98+45", ""},
		{"What is 3 times 4", Skill{Mul, 1}, "3*4", ""},
		{"  What is 1 minus 2?  \n", Skill{Sub, 1}, "1-2", ""},
		{"What is (1 minus 2) times 3?", Skill{Composite, 1}, "(1-2)*3", ""},

		// Errors.
		{"", Skill{}, "", "empty"},
		{"   \n", Skill{}, "", "empty"},
		{"?", Skill{}, "", "no expression"},
		{"What is", Skill{}, "", "no expression"},
		{"What is ?", Skill{}, "", "no expression"},
		{"12", Skill{}, "", "missing operator"},
		{"-0", Skill{}, "", "negative operand -0"},
		{"-5+3", Skill{}, "", "negative operand -5"},
		{"5+-3", Skill{}, "", "negative operand -3"},
		{"What is 5 minus -3?", Skill{}, "", "negative operand -3"},
		{"(-1+2)*3", Skill{}, "", "negative operand -1"},
		{"12 13", Skill{}, "", `found "13"`},
		{"12abc", Skill{}, "", `unknown word "abc"`},
		{"12+3abc", Skill{}, "", `unknown word "abc"`},
		{"1+2 3", Skill{}, "", `unexpected "3" after`},
		{"1+2+3", Skill{}, "", `unexpected "+" after`},
		{"(1+2)*3+4", Skill{}, "", `unexpected "+" after`},
		{"1+2)", Skill{}, "", `unexpected ")" after`},
		{"What is 1 plus?", Skill{}, "", "missing operand"},
		{"What is plus 1?", Skill{}, "", "expected a number"},
		{"What is 1 plus 2 plus?", Skill{}, "", "unexpected"},
		{"1++2", Skill{}, "", "expected a number"},
		{"1 / 2", Skill{}, "", "unexpected character '/'"},
		{"1 divided by 2", Skill{}, "", `unknown word "divided"`},
		{"1234567+1", Skill{}, "", "1234567 has 7 digits"},
		{"1000000000000000000000000000000+1", Skill{}, "", "has 31 digits"},
		{"1+1000000000000000000000000000000", Skill{}, "", "has 31 digits"},
		{"100*2", Skill{}, "", "mul problems allow at most 2"},
		{"(10+1)*2", Skill{}, "", "comp problems allow at most 1"},
		{"(1+1)*10", Skill{}, "", "comp problems allow at most 1"},
		{"#12345", Skill{}, "", "dsum problems allow at most 4"},
		{"#", Skill{}, "", "missing operand"},
		{"#-1", Skill{}, "", "negative operand"},
		{"#1+2", Skill{}, "", "unexpected"},
		{"(1+2", Skill{}, "", "missing ')'"},
		{"(1+2(*3", Skill{}, "", "expected ')'"},
		{"(1+2)3", Skill{}, "", "expected an operator"},
		{"(1+2)", Skill{}, "", "missing operator"},
		{"1+(2*3)", Skill{}, "", "expected a number"},
		{"٣+4", Skill{}, "", "unexpected character '٣'"},
		{"3+４", Skill{}, "", "unexpected character '４'"},
		{"3+\xff", Skill{}, "", "unexpected byte 0xff"},
		{"1_000+1", Skill{}, "", "unexpected character '_'"},
		{"1.5+1", Skill{}, "", "unexpected character '.'"},
		{"Whatis 1 plus 2?", Skill{}, "", "unknown word"},
		{"What is 1 plus 2??", Skill{}, "", "unexpected character '?'"},
		{"Q: What is 1 plus 2?", Skill{}, "", "unknown word \"Q\""},
		{"What is the sum of the digits of the number -5?", Skill{}, "", "negative operand"},
		{"What is the sum of the digits of the numbers 5?", Skill{}, "", "unknown word"},
		{"the sum of 5", Skill{}, "", "unknown word"},
	}
	for _, tt := range tests {
		p, err := ParseQuestion(tt.in)
		if tt.str == "" {
			if err == nil || !strings.Contains(err.Error(), tt.errPart) {
				t.Errorf("ParseQuestion(%q) = %v, %v; want error containing %q", tt.in, p, err, tt.errPart)
			} else if want := "arith: parse question " + strconv.Quote(tt.in); !strings.HasPrefix(err.Error(), want) {
				t.Errorf("ParseQuestion(%q) error %q does not quote the input", tt.in, err)
			}
			continue
		}
		if err != nil || p.Skill != tt.skill || p.String() != tt.str || p.Answer != reference(p) {
			t.Errorf("ParseQuestion(%q) = %v (%v), %v; want %s (%v)", tt.in, p, p.Skill, err, tt.str, tt.skill)
		}
	}
}
