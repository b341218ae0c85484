package checkpoints_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"mathzero/checkpoints"
	"mathzero/fp8"
)

func ExampleWriteSafetensors() {
	tensors := []checkpoints.Tensor{
		{Name: "wte", Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}},
		{Name: "ln_f.bias", Shape: []int{2}, Data: []float32{0.5, -0.5}},
	}
	var buf bytes.Buffer
	if err := checkpoints.WriteSafetensors(&buf, tensors, map[string]string{"step": "7"}); err != nil {
		log.Fatal(err)
	}
	got, meta, err := checkpoints.ReadSafetensors(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(buf.Len(), "bytes, step", meta["step"])
	for _, t := range got {
		fmt.Println(t.Name, t.Shape, t.Data)
	}
	// Output:
	// 184 bytes, step 7
	// ln_f.bias [2] [0.5 -0.5]
	// wte [2 2] [1 2 3 4]
}

func ExampleSave() {
	run, err := os.MkdirTemp("", "run")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(run)

	for step := 100; step <= 300; step += 100 {
		ck := &checkpoints.Checkpoint{
			Step:    step,
			Config:  json.RawMessage(`{"d_model": 64}`),
			RNG:     json.RawMessage(`{"seed": [1, 2]}`),
			Weights: []checkpoints.Tensor{{Name: "w", Shape: []int{1}, Data: []float32{float32(step)}}},
		}
		if _, err := checkpoints.Save(run, ck); err != nil {
			log.Fatal(err)
		}
	}
	if err := checkpoints.Prune(run, 2); err != nil {
		log.Fatal(err)
	}
	dirs, err := checkpoints.List(run)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range dirs {
		fmt.Println(filepath.Base(d))
	}
	ck, err := checkpoints.Load(run) // the checkpoint named by run/latest
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("resumed at step", ck.Step, "w =", ck.Weights[0].Data, "config", string(ck.Config))
	// Output:
	// step-000200
	// step-000300
	// resumed at step 300 w = [300] config {"d_model":64}
}

func ExampleQuantizeWeights() {
	weights := []checkpoints.Tensor{
		{Name: "fc.w", Shape: []int{2, 3}, Data: []float32{0.02, -0.01, 0.003, 0.5, 0.04, -0.0001}},
		{Name: "fc.b", Shape: []int{3}, Data: []float32{0.1, 0.2, 0.3}}, // rank 1: stays F32
	}
	q, err := checkpoints.QuantizeWeights(weights, fp8.DefaultBlock(), nil)
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	if err := checkpoints.WriteSafetensors(&buf, q, nil); err != nil {
		log.Fatal(err)
	}
	read, _, err := checkpoints.ReadSafetensors(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range read {
		if t.Dtype == checkpoints.F8E4M3 {
			fmt.Printf("%s %v %v codes % x\n", t.Name, t.Dtype, t.Shape, t.Codes)
		} else {
			fmt.Println(t.Name, t.Dtype, t.Shape, t.Data)
		}
	}
	back, err := checkpoints.DequantizeWeights(read, fp8.DefaultBlock())
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range back {
		fmt.Println(t.Name, t.Dtype, t.Data)
	}
	// Output:
	// fc.b F32 [3] [0.1 0.2 0.3]
	// fc.w F8_E4M3 [2 3] codes 59 d1 43 7e 61 9b
	// fc.w_scale_inv F32 [1 1] [0.0011160715]
	// fc.b F32 [0.1 0.2 0.3]
	// fc.w F32 [0.020089287 -0.010044644 0.0030691966 0.5 0.040178575 -9.591239e-05]
}
