// Package arith defines the task the mathzero policy learns: arithmetic problems grouped into
// skills, the 20-symbol vocabulary, how a problem is written as a prompt, how the policy writes its
// answer, a fixed held-out evaluation split, and a reader for the GPT-3 arithmetic files.
//
// It is the whole "environment" of the reinforcement learner: a problem comes from [Generate] (or
// [ParseQuestion], or [ReadJSONL]), is shown to the policy as [Encode](p), and what the policy writes
// after it is read back by [DecodeAnswer]. The package knows the true answer (Problem.Answer) so
// that rewards can check the policy; nothing here is meant to be a training target.
//
// # Vocabulary
//
// The vocabulary is the 20 characters of [Vocab]; Token(i) is Vocab[i], so digit d is Token(d):
//
//	0123456789  digits (Token 0..9)
//	+ - * ( ) = operators, parentheses, and the '=' that ends every prompt
//	#           DigitSumOp: "the sum of the digits of"
//	$           End: ends every answer
//	^           BOS: begins every prompt
//	.           Pad: fills unused positions of a batch
//
// # Prompt
//
// A prompt is BOS, the expression with every operand zero-padded to the skill's width
// (Skill.Digits), most significant digit first, then '=':
//
//	skill  problem   prompt
//	add2   7+45      ^07+45=
//	sub3   40-912    ^040-912=
//	mul2   95*4      ^95*04=
//	comp1  (9+8)*2   ^(9+8)*2=
//	dsum4  #86       ^#0086=
//
// Zero padding puts digit i of each operand at the same position in every prompt of a skill, so all
// prompts of a skill have one length ([Skill.PromptLen]) and "the units digit of the second operand"
// is always at the same offset, which a small transformer with learned positions needs. Operands
// stay most significant first, as people write them.
//
// # Answer
//
// The policy writes the digits of the answer LEAST significant first, then End ([EncodeAnswer]).
// A negative answer is written in ten's complement: the k digits of 10^k + answer, for the fewest
// k >= 1 with 10^k >= |answer|, then '-', then End:
//
//	answer  written
//	143     341$
//	0       0$
//	40      04$
//	-34     66-$     100 - 34 = 66
//	-7      3-$      10 - 7 = 3
//	-38097  30916-$  100000 - 38097 = 61903
//
// As in minGPT's adder, which also writes the sum reversed, least-significant-first order makes
// every answer digit a local function of the prompt and of what is already written: digit i of a
// sum is (a_i + b_i + carry) mod 10, and the carry comes from the digit position just written. Written the usual
// way round, the first digit depends on every carry, which a small model cannot work out in one
// token. Ten's complement does the same for differences: digit i of a-b is (a_i - b_i - borrow)
// mod 10 whatever the sign, and the sign is the borrow out of the last digit, known when the
// digits are done, so the policy learns one column algorithm for every subtraction. With the sign
// first and |a-b|'s digits (the form before this one) a policy must decide the sign before any
// digit and then run a different algorithm, b-a's, for negative answers: measured, a policy that
// had learnt 2-digit subtraction to 49% got the digits wrong in 170 of its 199 wrong negative
// answers, with the sign right. End lets the policy say how many digits it means; '-' before End
// says the digits are a complement.
//
// [DecodeAnswer] reads a completion back: one to [MaxAnswerDigits] digits, an optional '-', End,
// and nothing after End. Redundant digits ("040$" for 40, "39-$" for -7) are read for their
// value; [Canonical] tells whether a completion is exactly [EncodeAnswer] of its value.
//
// # Column layout
//
// An addition or subtraction can also be posed in columns of a fixed width w ([Problem.InColumns],
// [EncodeColumns]): both operands least significant digit first, padded to w digits, and an
// answer of exactly w+1 digits ([Expected]; ten's complement over w+1 digits for a negative one,
// then '-'):
//
//	problem      w  prompt          answer
//	7+45         5  ^70000+54000=   250000$
//	3-5          5  ^30000-50000=   899999-$
//
// Digit i of both operands then lies a fixed number of tokens before the token that writes answer
// digit i, the same for every column and every width, and End always comes after w+1 digits, so
// the answer's length never has to be worked out. A policy whose attention sees only relative
// positions can apply one column's computation to every column, and a width it has not practised
// differs from one it has only in which columns hold non-zero digits.
//
// A problem can also be posed at a width w in the natural layout ([Problem.AtWidth]): operands
// most significant first, zero-padded to w digits, and the same answer of exactly w+1 digits:
//
//	problem      w  prompt          answer
//	7+45         5  ^00007+00045=   250000$
//	3-5          5  ^00003-00005=   899999-$
//	3*7          5  ^00003*00007=   120000$
//
// Products are padded as sums are wherever their answers fit in w+1 digits ([Skill.PaddedAt]), so
// that their units digits sit where every sum's do. The other kinds keep their prompts at a width
// and are answered in their skill's fixed number of digits ([Skill.AnswerDigits]): (4-7)-3 is
// answered 499-$ (-6 over three digits).
//
// # Working
//
// A problem posed at a width can also be worked ([Problem.Worked]): its completion writes
// intermediate results, then '=', then the answer at its fixed length ([Expected]):
//
//	problem   w  prompt          completion
//	95*45     5  ^00095*00045=   52540263=572400$   5*5, 9*5, 5*4, 9*4, then 4275
//	(4-7)-3   5  ^(4-7)-3=       79-=499-$          4-7 = -3, then -6
//
// Each intermediate result is a fact of two operand digits, and the answer is a sum of them or
// one operation on a written number, so no token has to chain several facts and carries. The
// answer is the part after the first '=' ([Problem.FinalAnswer]); only mul2 and comp1 have a
// working ([Skill.WorkLen]).
//
// # Skills
//
// A [Skill] is an operation at an operand width: add1..add6 and sub1..sub6 (a±b with a, b < 10^n),
// mul1 and mul2, comp1 (the single-digit three-operation composite (a op b) op c of GPT-3's
// "single_digit_three_ops") and dsum4 (the sum of the digits of n < 10^4). [AllSkills] lists them
// easiest first.
//
// # Held-out split
//
// A fixed [HeldOutPercent] percent of every skill's problems, chosen by an FNV-1a hash of the skill
// name and the problem, is kept for evaluation ([HeldOut], [HeldOutSet]); [GenerateTrain] never
// returns one of them, so evaluation never sees a problem the policy trained on. The tables of
// facts (add1, sub1, mul1: see [FactsLimit]) are the exception: with nothing to generalise from,
// they hold nothing out and are evaluated on every fact.
package arith
