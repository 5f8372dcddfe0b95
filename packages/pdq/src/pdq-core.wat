;; The hot loops of PDQ (pre-resize sampling, luma, Jarosz box filters, 16×16 DCT, quality sum) in
;; WebAssembly, bit-exact with the pure-JS core (luma.ts, jarosz-filter.ts, dct.ts, pdq-hasher.ts)
;; and so with Meta's reference (SPEC §2).
;;
;; Why this is exact: every f32 operation here (f32.add/mul/div, f32x4.add/sub/mul/div) is IEEE-754
;; single precision rounded to nearest-even, subnormals kept, with no FMA contraction (fixed-width
;; SIMD is deterministic; only relaxed SIMD is not, and it is not used). So each operation gives the
;; same bits as the reference's float arithmetic, provided it is the same operation on the same
;; operands in the same order: the running sums below add and subtract exactly as SPEC §2.5 says.
;;
;; Compiled to wasm-core-bytes.ts by scripts/build-wasm.mjs (wabt); a test fails if they drift.
;; Layout of the memory is the caller's (wasm-core.ts): every pointer is a byte offset, and
;; vectors of 4 lines are 16-byte aligned. The DCT matrix D (16×64) is at 0 and Dᵀ (64×16) at 4096.
(module
  (memory (export "memory") 1)

  ;; Copies the pixels of a nearest-neighbour resample (the reference's pre-resize, SPEC §2.2)
  ;; into compact rows at dst: `height` rows of `width` pixels, row y taken from src + y·rowBytes
  ;; (the caller copied the sampled source rows there) and pixel x from byte table[x] of its row.
  ;; Colour pixels move as 4-byte words in ascending order: the byte past each pixel is rewritten
  ;; by the next one, and the caller leaves slack for the very last.
  (func (export "gather")
    (param $src i32) (param $rowBytes i32) (param $table i32) (param $width i32) (param $height i32)
    (param $channels i32) (param $dst i32)
    (local $x i32) (local $p i32)
    (loop $rows
      (local.set $x (i32.const 0))
      (loop $pixels
        (local.set $p (i32.add (local.get $src)
          (i32.load (i32.add (local.get $table) (i32.shl (local.get $x) (i32.const 2))))))
        (if (i32.eq (local.get $channels) (i32.const 1))
          (then (i32.store8 (local.get $dst) (i32.load8_u (local.get $p))))
          (else (i32.store (local.get $dst) (i32.load (local.get $p)))))
        (local.set $dst (i32.add (local.get $dst) (local.get $channels)))
        (br_if $pixels (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 1))) (local.get $width))))
      (local.set $src (i32.add (local.get $src) (local.get $rowBytes)))
      (br_if $rows (local.tee $height (i32.sub (local.get $height) (i32.const 1))))))

  ;; f32 luma of `height` compact rows of `width` 8-bit pixels at src, written at dst with a row
  ;; stride of `dstStride` floats (a multiple of 4: each row is written up to it, 4 pixels at a
  ;; time, and the source needs 16 bytes of slack after its end). Grey (channels = 1) is f32(g);
  ;; colour is (cR·R + cG·G) + cB·B, each product and sum rounded to f32 (SPEC §2.3), 4 pixels per
  ;; vector. Samples are small integers, so the i32 → f32 conversions are exact.
  (func (export "luma")
    (param $src i32) (param $width i32) (param $height i32) (param $channels i32) (param $dst i32)
    (param $dstStride i32)
    (local $p i32) (local $end i32) (local $out i32) (local $v v128)
    (local.set $p (local.get $src))
    (local.set $dstStride (i32.shl (local.get $dstStride) (i32.const 2)))
    (loop $rows
      (local.set $end (i32.add (local.get $p) (i32.mul (local.get $width) (local.get $channels))))
      (local.set $out (local.get $dst))
      (if (i32.eq (local.get $channels) (i32.const 1))
        (then
          (loop $grey
            (v128.store (local.get $out)
              (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u
                (v128.load32_zero (local.get $p))))))
            (local.set $out (i32.add (local.get $out) (i32.const 16)))
            (br_if $grey (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $end)))))
        (else
          (loop $colour
            (local.set $v (v128.load (local.get $p)))
            (if (i32.eq (local.get $channels) (i32.const 3))
              ;; R G B R G B …: move each channel's 4 bytes to the low bytes of 4 lanes (an index
              ;; with its top bit set gives 0, which x64 does in one pshufb).
              (then
                (v128.store (local.get $out) (f32x4.add
                  (f32x4.add
                    (f32x4.mul (v128.const f32x4 0x1.322d0ep-2 0x1.322d0ep-2 0x1.322d0ep-2 0x1.322d0ep-2)
                      (f32x4.convert_i32x4_s (i8x16.swizzle (local.get $v) (v128.const i8x16 0 0x80 0x80 0x80 3 0x80 0x80 0x80 6 0x80 0x80 0x80 9 0x80 0x80 0x80))))
                    (f32x4.mul (v128.const f32x4 0x1.2c8b44p-1 0x1.2c8b44p-1 0x1.2c8b44p-1 0x1.2c8b44p-1)
                      (f32x4.convert_i32x4_s (i8x16.swizzle (local.get $v) (v128.const i8x16 1 0x80 0x80 0x80 4 0x80 0x80 0x80 7 0x80 0x80 0x80 10 0x80 0x80 0x80)))))
                  (f32x4.mul (v128.const f32x4 0x1.d2f1aap-4 0x1.d2f1aap-4 0x1.d2f1aap-4 0x1.d2f1aap-4)
                    (f32x4.convert_i32x4_s (i8x16.swizzle (local.get $v) (v128.const i8x16 2 0x80 0x80 0x80 5 0x80 0x80 0x80 8 0x80 0x80 0x80 11 0x80 0x80 0x80))))))
                (local.set $p (i32.add (local.get $p) (i32.const 12))))
              ;; R G B A: one pixel per lane.
              (else
                (v128.store (local.get $out) (f32x4.add
                  (f32x4.add
                    (f32x4.mul (v128.const f32x4 0x1.322d0ep-2 0x1.322d0ep-2 0x1.322d0ep-2 0x1.322d0ep-2)
                      (f32x4.convert_i32x4_s (v128.and (local.get $v) (v128.const i32x4 0xff 0xff 0xff 0xff))))
                    (f32x4.mul (v128.const f32x4 0x1.2c8b44p-1 0x1.2c8b44p-1 0x1.2c8b44p-1 0x1.2c8b44p-1)
                      (f32x4.convert_i32x4_s (v128.and (i32x4.shr_u (local.get $v) (i32.const 8)) (v128.const i32x4 0xff 0xff 0xff 0xff)))))
                  (f32x4.mul (v128.const f32x4 0x1.d2f1aap-4 0x1.d2f1aap-4 0x1.d2f1aap-4 0x1.d2f1aap-4)
                    (f32x4.convert_i32x4_s (v128.and (i32x4.shr_u (local.get $v) (i32.const 16)) (v128.const i32x4 0xff 0xff 0xff 0xff))))))
                (local.set $p (i32.add (local.get $p) (i32.const 16)))))
            (local.set $out (i32.add (local.get $out) (i32.const 16)))
            (br_if $colour (i32.lt_u (local.get $p) (local.get $end))))))
      (local.set $p (local.get $end))
      (local.set $dst (i32.add (local.get $dst) (local.get $dstStride)))
      (br_if $rows (local.tee $height (i32.sub (local.get $height) (i32.const 1))))))

  ;; `n` steps of the running sums of 16 adjacent lines (4 vectors, 64 bytes; the sums live in
  ;; registers, loaded from and stored back to `sums`): each step does sum = (sum + *read) − *drop
  ;; and *write = sum / count, then moves the three pointers by their steps and the count by
  ;; `dcount` (before dividing). The phases of the box filter that only add or only subtract point
  ;; `drop` or `read` at zeros: x + 0 = x and x − 0 = x exactly (a running sum that starts at +0 is
  ;; never −0), so every sum keeps the reference's bits.
  (func $sweep
    (param $n i32) (param $read i32) (param $rstep i32) (param $drop i32) (param $dstep i32)
    (param $write i32) (param $wstep i32) (param $count i32) (param $dcount i32) (param $sums i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $divisor v128)
    (local.set $s0 (v128.load (local.get $sums)))
    (local.set $s1 (v128.load offset=16 (local.get $sums)))
    (local.set $s2 (v128.load offset=32 (local.get $sums)))
    (local.set $s3 (v128.load offset=48 (local.get $sums)))
    (block $done
      (loop $step
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $count (i32.add (local.get $count) (local.get $dcount)))
        (local.set $divisor (f32x4.splat (f32.convert_i32_s (local.get $count))))
        (local.set $s0 (f32x4.sub (f32x4.add (local.get $s0) (v128.load (local.get $read)))
          (v128.load (local.get $drop))))
        (v128.store (local.get $write) (f32x4.div (local.get $s0) (local.get $divisor)))
        (local.set $s1 (f32x4.sub (f32x4.add (local.get $s1) (v128.load offset=16 (local.get $read)))
          (v128.load offset=16 (local.get $drop))))
        (v128.store offset=16 (local.get $write) (f32x4.div (local.get $s1) (local.get $divisor)))
        (local.set $s2 (f32x4.sub (f32x4.add (local.get $s2) (v128.load offset=32 (local.get $read)))
          (v128.load offset=32 (local.get $drop))))
        (v128.store offset=32 (local.get $write) (f32x4.div (local.get $s2) (local.get $divisor)))
        (local.set $s3 (f32x4.sub (f32x4.add (local.get $s3) (v128.load offset=48 (local.get $read)))
          (v128.load offset=48 (local.get $drop))))
        (v128.store offset=48 (local.get $write) (f32x4.div (local.get $s3) (local.get $divisor)))
        (local.set $read (i32.add (local.get $read) (local.get $rstep)))
        (local.set $drop (i32.add (local.get $drop) (local.get $dstep)))
        (local.set $write (i32.add (local.get $write) (local.get $wstep)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $step)))
    (v128.store (local.get $sums) (local.get $s0))
    (v128.store offset=16 (local.get $sums) (local.get $s1))
    (v128.store offset=32 (local.get $sums) (local.get $s2))
    (v128.store offset=48 (local.get $sums) (local.get $s3)))

  ;; Box filter of window `window` along 16 adjacent lines of `length` samples, `step` bytes apart
  ;; (SPEC §2.5; the phases of boxFilterLines in jarosz-filter.ts). `zero` holds 64 zero bytes,
  ;; `junk` takes 64 bytes of throw-away output, `sums` 64 bytes of running sums.
  (func $box
    (param $in i32) (param $out i32) (param $length i32) (param $step i32)
    (param $window i32) (param $sums i32) (param $zero i32) (param $junk i32)
    (local $half i32) (local $lead i32) (local $grow i32) (local $steady i32)
    (memory.fill (local.get $sums) (i32.const 0) (i32.const 64))
    (local.set $half (i32.shr_u (i32.add (local.get $window) (i32.const 2)) (i32.const 1)))
    (local.set $lead (i32.sub (local.get $half) (i32.const 1)))
    (local.set $grow (i32.sub (local.get $window) (local.get $lead)))
    (local.set $steady (i32.sub (local.get $length) (local.get $window)))
    ;; lead-in: only add
    (call $sweep (local.get $lead) (local.get $in) (local.get $step) (local.get $zero) (i32.const 0)
      (local.get $junk) (i32.const 0) (i32.const 1) (i32.const 0) (local.get $sums))
    ;; growing window: add, count up
    (call $sweep (local.get $grow)
      (i32.add (local.get $in) (i32.mul (local.get $lead) (local.get $step))) (local.get $step)
      (local.get $zero) (i32.const 0)
      (local.get $out) (local.get $step)
      (local.get $lead) (i32.const 1) (local.get $sums))
    ;; full window: add, then subtract
    (call $sweep (local.get $steady)
      (i32.add (local.get $in) (i32.mul (local.get $window) (local.get $step))) (local.get $step)
      (local.get $in) (local.get $step)
      (i32.add (local.get $out) (i32.mul (local.get $grow) (local.get $step))) (local.get $step)
      (local.get $window) (i32.const 0) (local.get $sums))
    ;; draining window: subtract, count down
    (call $sweep (local.get $lead)
      (local.get $zero) (i32.const 0)
      (i32.add (local.get $in) (i32.mul (local.get $steady) (local.get $step))) (local.get $step)
      (i32.add (local.get $out) (i32.mul (i32.add (local.get $grow) (local.get $steady)) (local.get $step)))
      (local.get $step)
      (local.get $window) (i32.const -1) (local.get $sums)))

  ;; Box filter down the columns of a plane `lineBytes` wide (a multiple of 64), `length` rows
  ;; `lineBytes` apart, in strips of 16 columns.
  (func (export "columns")
    (param $in i32) (param $out i32) (param $lineBytes i32) (param $length i32) (param $window i32)
    (param $sums i32) (param $zero i32) (param $junk i32)
    (local $x i32)
    (loop $strips
      (call $box (i32.add (local.get $in) (local.get $x)) (i32.add (local.get $out) (local.get $x))
        (local.get $length) (local.get $lineBytes) (local.get $window) (local.get $sums) (local.get $zero)
        (local.get $junk))
      (br_if $strips (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 64))) (local.get $lineBytes)))))

  ;; Copies a band of `r` rows (r a multiple of 4; row y at src + y·wp·4, wp a multiple of 4)
  ;; into t with the rows interleaved: t[x·r + y] = row y, sample x. 4×4 blocks transposed in
  ;; registers.
  (func $transposeIn (param $src i32) (param $wp i32) (param $r i32) (param $t i32)
    (local $x i32) (local $q i32) (local $p i32) (local $o i32) (local $rowBytes i32) (local $xBytes i32)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128) (local $ab v128) (local $cd v128)
    (local.set $rowBytes (i32.shl (local.get $wp) (i32.const 2)))
    (local.set $xBytes (i32.shl (local.get $r) (i32.const 2)))
    (loop $columns
      (local.set $q (i32.const 0))
      (loop $quads
        ;; rows 4q..4q+3, samples x..x+3
        (local.set $p (i32.add (local.get $src)
          (i32.add (i32.mul (local.get $q) (local.get $rowBytes)) (i32.shl (local.get $x) (i32.const 2)))))
        (local.set $a (v128.load (local.get $p)))
        (local.set $b (v128.load (local.tee $p (i32.add (local.get $p) (local.get $rowBytes)))))
        (local.set $c (v128.load (local.tee $p (i32.add (local.get $p) (local.get $rowBytes)))))
        (local.set $d (v128.load (i32.add (local.get $p) (local.get $rowBytes))))
        (local.set $o (i32.add (local.get $t)
          (i32.add (i32.mul (local.get $x) (local.get $xBytes)) (i32.shl (local.get $q) (i32.const 2)))))
        ;; a0 b0 a1 b1 / c0 d0 c1 d1 → a0 b0 c0 d0, a1 b1 c1 d1
        (local.set $ab (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
        (local.set $cd (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c) (local.get $d)))
        (v128.store (local.get $o)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $cd)))
        (v128.store (local.tee $o (i32.add (local.get $o) (local.get $xBytes)))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $cd)))
        ;; a2 b2 a3 b3 / c2 d2 c3 d3 → a2 b2 c2 d2, a3 b3 c3 d3
        (local.set $ab (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
        (local.set $cd (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c) (local.get $d)))
        (v128.store (local.tee $o (i32.add (local.get $o) (local.get $xBytes)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $cd)))
        (v128.store (i32.add (local.get $o) (local.get $xBytes))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $cd)))
        (br_if $quads (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 4))) (local.get $r))))
      (br_if $columns (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 4))) (local.get $wp)))))

  ;; The inverse of transposeIn for selected columns: output column c (0 ≤ c < ncols, ncols a
  ;; multiple of 4) of row y is t[table[c]·r + y], written at dst + (y·dstStride + c)·4.
  (func $transposeOut (param $t i32) (param $dst i32) (param $r i32) (param $table i32) (param $ncols i32)
    (param $dstStride i32)
    (local $c i32) (local $q i32) (local $p i32) (local $xBytes i32) (local $rowBytes i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32)
    (local $a v128) (local $b v128) (local $cc v128) (local $d v128) (local $ab v128) (local $cd v128)
    (local.set $xBytes (i32.shl (local.get $r) (i32.const 2)))
    (local.set $rowBytes (i32.shl (local.get $dstStride) (i32.const 2)))
    (loop $columns
      (local.set $p (i32.add (local.get $table) (i32.shl (local.get $c) (i32.const 2))))
      (local.set $x0 (i32.add (local.get $t) (i32.mul (i32.load (local.get $p)) (local.get $xBytes))))
      (local.set $x1 (i32.add (local.get $t) (i32.mul (i32.load offset=4 (local.get $p)) (local.get $xBytes))))
      (local.set $x2 (i32.add (local.get $t) (i32.mul (i32.load offset=8 (local.get $p)) (local.get $xBytes))))
      (local.set $x3 (i32.add (local.get $t) (i32.mul (i32.load offset=12 (local.get $p)) (local.get $xBytes))))
      (local.set $q (i32.const 0))
      (loop $quads
        (local.set $a (v128.load (i32.add (local.get $x0) (local.get $q))))
        (local.set $b (v128.load (i32.add (local.get $x1) (local.get $q))))
        (local.set $cc (v128.load (i32.add (local.get $x2) (local.get $q))))
        (local.set $d (v128.load (i32.add (local.get $x3) (local.get $q))))
        ;; rows 4q..4q+3 of output columns c..c+3; q counts bytes here (16 per quad)
        (local.set $p (i32.add (local.get $dst)
          (i32.add (i32.mul (i32.shr_u (local.get $q) (i32.const 2)) (local.get $rowBytes))
            (i32.shl (local.get $c) (i32.const 2)))))
        (local.set $ab (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
        (local.set $cd (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $cc) (local.get $d)))
        (v128.store (local.get $p)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $cd)))
        (v128.store (local.tee $p (i32.add (local.get $p) (local.get $rowBytes)))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $cd)))
        (local.set $ab (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
        (local.set $cd (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $cc) (local.get $d)))
        (v128.store (local.tee $p (i32.add (local.get $p) (local.get $rowBytes)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $cd)))
        (v128.store (i32.add (local.get $p) (local.get $rowBytes))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $cd)))
        (br_if $quads (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 16))) (local.get $xBytes))))
      (br_if $columns (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 4))) (local.get $ncols)))))

  ;; Box filter along the rows of a `width`-sample plane (row stride wp floats, a multiple of 16;
  ;; hp rows, a multiple of 16), in bands of 16 rows: each band is interleaved into t so that its
  ;; rows run side by side as vectors, filtered into o, and written back to out (row stride
  ;; outStride) through the column table (identity, or the sampled columns of the last pass).
  (func (export "rows")
    (param $in i32) (param $out i32) (param $width i32) (param $hp i32) (param $wp i32) (param $window i32)
    (param $table i32) (param $ncols i32) (param $outStride i32)
    (param $t i32) (param $o i32) (param $sums i32) (param $zero i32) (param $junk i32)
    (local $y i32)
    (loop $bands
      (call $transposeIn
        (i32.add (local.get $in) (i32.shl (i32.mul (local.get $y) (local.get $wp)) (i32.const 2)))
        (local.get $wp) (i32.const 16) (local.get $t))
      (call $box (local.get $t) (local.get $o) (local.get $width) (i32.const 64) (local.get $window)
        (local.get $sums) (local.get $zero) (local.get $junk))
      (call $transposeOut (local.get $o)
        (i32.add (local.get $out) (i32.shl (i32.mul (local.get $y) (local.get $outStride)) (i32.const 2)))
        (i32.const 16) (local.get $table) (local.get $ncols) (local.get $outStride))
      (br_if $bands (i32.lt_u (local.tee $y (i32.add (local.get $y) (i32.const 16))) (local.get $hp)))))

  ;; The quality gradient sum of the 64×64 buffer at b (SPEC §2.7), exactly as quality() in
  ;; pdq-hasher.ts adds it: each adjacent pair gives |trunc(f32(f32(f32(u − v)·100) / 255))|, added
  ;; to an f64 sum in the same order (vertical pairs row by row, then horizontal pairs).
  (func (export "gradient") (param $b i32) (result f64)
    (local $p i32) (local $end i32) (local $row i32) (local $g v128) (local $sum f64)
    (local.set $p (local.get $b))
    (local.set $end (i32.add (local.get $b) (i32.const 16128))) ;; 63 rows of 256 bytes
    (loop $vertical
      (local.set $g (f32x4.abs (f32x4.trunc (f32x4.div
            (f32x4.mul (f32x4.sub (v128.load (local.get $p)) (v128.load offset=256 (local.get $p))) (v128.const f32x4 100 100 100 100))
            (v128.const f32x4 255 255 255 255)))))
      (local.set $sum (call $add4 (local.get $sum) (local.get $g) (i32.const 4)))
      (br_if $vertical (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (local.get $end))))
    (local.set $row (local.get $b))
    (loop $rows
      (local.set $p (local.get $row))
      (local.set $end (i32.add (local.get $row) (i32.const 240)))
      (loop $horizontal
        (local.set $g (f32x4.abs (f32x4.trunc (f32x4.div
            (f32x4.mul (f32x4.sub (v128.load (local.get $p)) (v128.load offset=4 (local.get $p))) (v128.const f32x4 100 100 100 100))
            (v128.const f32x4 255 255 255 255)))))
        ;; the last vector of a row holds pairs 60..62 and one across the row's end, left out
        (local.set $sum (call $add4 (local.get $sum) (local.get $g)
          (select (i32.const 4) (i32.const 3) (i32.lt_u (local.get $p) (local.get $end)))))
        (br_if $horizontal (i32.le_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (local.get $end))))
      (br_if $rows (i32.lt_u (local.tee $row (i32.add (local.get $row) (i32.const 256)))
        (i32.add (local.get $b) (i32.const 16384)))))
    (local.get $sum))

  ;; sum + lanes 0, 1, 2 (and 3 when n = 4) of g, in lane order, in f64.
  (func $add4 (param $sum f64) (param $g v128) (param $n i32) (result f64)
    (local.set $sum (f64.add (local.get $sum) (f64.promote_f32 (f32x4.extract_lane 0 (local.get $g)))))
    (local.set $sum (f64.add (local.get $sum) (f64.promote_f32 (f32x4.extract_lane 1 (local.get $g)))))
    (local.set $sum (f64.add (local.get $sum) (f64.promote_f32 (f32x4.extract_lane 2 (local.get $g)))))
    (if (result f64) (i32.eq (local.get $n) (i32.const 4))
      (then (f64.add (local.get $sum) (f64.promote_f32 (f32x4.extract_lane 3 (local.get $g)))))
      (else (local.get $sum))))

  ;; C = D·B·Dᵀ for the 64×64 buffer at b (SPEC §2.8), T = D·B at t (16×64), C at c (16×16).
  ;; Each sum runs over k = 0..63 in order from +0, every product rounded before it is added;
  ;; the vectors hold 4 independent sums (4 output columns).
  (func (export "dct") (param $b i32) (param $t i32) (param $c i32)
    (local $i i32) (local $j i32) (local $k i32) (local $sum v128)
    (loop $tRows
      (local.set $j (i32.const 0))
      (loop $tColumns
        (local.set $sum (v128.const i32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (loop $terms
          (local.set $sum (f32x4.add (local.get $sum)
            (f32x4.mul
              (v128.load32_splat (i32.shl (i32.add (i32.shl (local.get $i) (i32.const 6)) (local.get $k)) (i32.const 2)))
              (v128.load (i32.add (local.get $b)
                (i32.shl (i32.add (i32.shl (local.get $k) (i32.const 6)) (local.get $j)) (i32.const 2)))))))
          (br_if $terms (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 64))))
        (v128.store (i32.add (local.get $t)
          (i32.shl (i32.add (i32.shl (local.get $i) (i32.const 6)) (local.get $j)) (i32.const 2))) (local.get $sum))
        (br_if $tColumns (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 4))) (i32.const 64))))
      (br_if $tRows (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 16))))
    (local.set $i (i32.const 0))
    (loop $cRows
      (local.set $j (i32.const 0))
      (loop $cColumns
        (local.set $sum (v128.const i32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (loop $terms
          (local.set $sum (f32x4.add (local.get $sum)
            (f32x4.mul
              (v128.load32_splat (i32.add (local.get $t)
                (i32.shl (i32.add (i32.shl (local.get $i) (i32.const 6)) (local.get $k)) (i32.const 2))))
              (v128.load offset=4096
                (i32.shl (i32.add (i32.shl (local.get $k) (i32.const 4)) (local.get $j)) (i32.const 2))))))
          (br_if $terms (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 64))))
        (v128.store (i32.add (local.get $c)
          (i32.shl (i32.add (i32.shl (local.get $i) (i32.const 4)) (local.get $j)) (i32.const 2))) (local.get $sum))
        (br_if $cColumns (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 4))) (i32.const 16))))
      (br_if $cRows (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 16)))))
)
