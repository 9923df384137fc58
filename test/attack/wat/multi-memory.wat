;; multi-memory: a component whose run grows two linear memories by 48 MiB each. Under
;; --max-memory 64 MiB the bound holds for all memories together, so the second growth must
;; fail. Exit status 0: it failed; 1: both grew (the bound counted each memory alone).
(component
  (core module $m
    (memory $a 1)
    (memory $b 1)
    (func (export "run") (result i32)
      (drop (memory.grow $a (i32.const 768)))
      (if (result i32) (i32.eq (memory.grow $b (i32.const 768)) (i32.const -1))
        (then (i32.const 0))
        (else (i32.const 1)))))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $run-instance)))
