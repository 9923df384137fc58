;; table-grow: a component whose run grows a funcref table by 64 Mi entries (512 MiB of host
;; memory at 8 bytes an entry) and fills it, so the pages are really touched. Exit status 0:
;; the host refused the growth (table.grow returned -1); 1: it was allowed.
(component
  (core module $m
    (table $t 1 funcref)
    (func $f)
    (elem declare func $f)
    (func (export "run") (result i32)
      (local $old i32)
      (local.set $old (table.grow $t (ref.null func) (i32.const 67108864)))
      (if (result i32) (i32.eq (local.get $old) (i32.const -1))
        (then (i32.const 0))
        (else
          (table.fill $t (i32.const 0) (ref.func $f) (i32.const 67108864))
          (i32.const 1)))))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $run-instance)))
