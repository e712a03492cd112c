/* Element-wise arithmetic on nd_arrays: numpy's broadcasting, promotion and
 * per-dtype semantics (numpy 1.24).
 *
 * Operands are brought to a compute dtype block by block with nd_convert, so
 * the typed kernels only ever see one C type per call; when an operand is
 * already of that dtype the kernel reads it in place. Broadcast operands are
 * reduced to (shape, element strides) with size-1 axes dropped and
 * contiguous axes merged, so same-shape arrays and array-with-scalar become
 * one flat loop that the compiler vectorises. */
/* GCC's -O2 vectorises only loops whose trip count is a known multiple of
 * the vector width; the kernels here need the ordinary cost model. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif

#include "nd_internal.h"
#include "thunder/par.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Arrays above this many elements are split over threads. */
#define EW_PAR_MIN 65536
/* Elements converted at once into a stack buffer when dtypes differ. */
#define EW_BLOCK 1024

/* How a kernel reads its two operands: both vectors, or one of them a
 * single element repeated. */
enum { M_VV, M_SV, M_VS };

typedef void (*bin_kernel)(int op, int mode, void *out, const void *a, const void *b, int64_t n);
typedef void (*un_kernel)(int op, void *out, const void *a, int64_t n);

/* ---- typed kernels ----------------------------------------------------- */

/* One loop per operand layout; EXPR combines x (left) and y (right). */
#define LOOP3(OT, T, EXPR)                                                                                   \
    do {                                                                                                     \
        OT *restrict o_ = (OT *)out;                                                                         \
        const T *restrict a_ = (const T *)pa;                                                                \
        const T *restrict b_ = (const T *)pb;                                                                \
        if (mode == M_VV) {                                                                                  \
            for (int64_t i = 0; i < n; i++) {                                                                \
                T x = a_[i], y = b_[i];                                                                      \
                o_[i] = (OT)(EXPR);                                                                          \
            }                                                                                                \
        } else if (mode == M_SV) {                                                                           \
            const T x = a_[0];                                                                               \
            for (int64_t i = 0; i < n; i++) {                                                                \
                T y = b_[i];                                                                                 \
                o_[i] = (OT)(EXPR);                                                                          \
            }                                                                                                \
        } else {                                                                                             \
            const T y = b_[0];                                                                               \
            for (int64_t i = 0; i < n; i++) {                                                                \
                T x = a_[i];                                                                                 \
                o_[i] = (OT)(EXPR);                                                                          \
            }                                                                                                \
        }                                                                                                    \
    } while (0)

#define LOOP1(OT, T, EXPR)                                                                                   \
    do {                                                                                                     \
        OT *restrict o_ = (OT *)out;                                                                         \
        const T *restrict a_ = (const T *)pa;                                                                \
        for (int64_t i = 0; i < n; i++) {                                                                    \
            T x = a_[i];                                                                                     \
            o_[i] = (OT)(EXPR);                                                                              \
        }                                                                                                    \
    } while (0)

#define CMP_CASES(T)                                                                                         \
    case ND_EQ: LOOP3(uint8_t, T, x == y); break;                                                            \
    case ND_NE: LOOP3(uint8_t, T, x != y); break;                                                            \
    case ND_LT: LOOP3(uint8_t, T, x < y); break;                                                             \
    case ND_LE: LOOP3(uint8_t, T, x <= y); break;                                                            \
    case ND_GT: LOOP3(uint8_t, T, x > y); break;                                                             \
    case ND_GE: LOOP3(uint8_t, T, x >= y); break;

/* Integers: wrapping arithmetic is done in the unsigned type UW (at least
 * unsigned int, so nothing is promoted to a signed int that could overflow).
 * Division by zero gives 0 and MIN // -1 gives MIN, as numpy does. */
#define DEF_INT(NAME, T, UW, SIGNED, TMIN, LT0)                                                              \
    static inline T NAME##_fdiv(T x, T y)                                                                    \
    {                                                                                                        \
        if (y == 0)                                                                                          \
            return 0;                                                                                        \
        if (SIGNED && x == TMIN && y == (T)-1)                                                               \
            return TMIN;                                                                                     \
        T q = (T)(x / y);                                                                                    \
        if (SIGNED && (T)(x % y) != 0 && (LT0(x) != LT0(y)))                                                 \
            q--;                                                                                             \
        return q;                                                                                            \
    }                                                                                                        \
    static inline T NAME##_mod(T x, T y)                                                                     \
    {                                                                                                        \
        if (y == 0 || (SIGNED && x == TMIN && y == (T)-1))                                                   \
            return 0;                                                                                        \
        T r = (T)(x % y);                                                                                    \
        if (SIGNED && r != 0 && (LT0(r) != LT0(y)))                                                          \
            r = (T)(r + y);                                                                                  \
        return r;                                                                                            \
    }                                                                                                        \
    /* Negative exponents were rejected before the kernel runs. */                                           \
    static inline T NAME##_pow(T x, T y)                                                                     \
    {                                                                                                        \
        UW r = 1, base = (UW)x;                                                                              \
        uint64_t e = (uint64_t)y;                                                                            \
        while (e) {                                                                                          \
            if (e & 1)                                                                                       \
                r *= base;                                                                                   \
            base *= base;                                                                                    \
            e >>= 1;                                                                                         \
        }                                                                                                    \
        return (T)r;                                                                                         \
    }                                                                                                        \
    static void NAME##_binary(int op, int mode, void *restrict out, const void *restrict pa,                 \
                              const void *restrict pb, int64_t n)                                            \
    {                                                                                                        \
        switch ((nd_binop)op) {                                                                              \
        case ND_ADD: LOOP3(T, T, (UW)x + (UW)y); break;                                                      \
        case ND_SUB: LOOP3(T, T, (UW)x - (UW)y); break;                                                      \
        case ND_MUL: LOOP3(T, T, (UW)x *(UW)y); break;                                                       \
        case ND_FLOORDIV: LOOP3(T, T, NAME##_fdiv(x, y)); break;                                             \
        case ND_MOD: LOOP3(T, T, NAME##_mod(x, y)); break;                                                   \
        case ND_POW: LOOP3(T, T, NAME##_pow(x, y)); break;                                                   \
        case ND_AND: LOOP3(T, T, x &y); break;                                                               \
        case ND_OR: LOOP3(T, T, x | y); break;                                                               \
        case ND_XOR: LOOP3(T, T, x ^ y); break;                                                              \
        case ND_MAXIMUM: LOOP3(T, T, x > y ? x : y); break;                                                  \
        case ND_MINIMUM:                                                                                     \
            LOOP3(T, T, x < y ? x : y);                                                                      \
            break;                                                                                           \
            CMP_CASES(T)                                                                                     \
        case ND_TRUEDIV: break; /* computed in floating point */                                             \
        }                                                                                                    \
    }                                                                                                        \
    static void NAME##_unary(int op, void *restrict out, const void *restrict pa, int64_t n)                 \
    {                                                                                                        \
        switch ((nd_unop)op) {                                                                               \
        case ND_NEG: LOOP1(T, T, (UW)0 - (UW)x); break;                                                      \
        case ND_ABS: LOOP1(T, T, LT0(x) ? (UW)0 - (UW)x : (UW)x); break;                                     \
        case ND_NOT: LOOP1(uint8_t, T, x == 0); break;                                                       \
        case ND_INVERT: LOOP1(T, T, ~(UW)x); break;                                                          \
        case ND_ISNAN:                                                                                       \
        case ND_ISINF: LOOP1(uint8_t, T, 0 * x); break;                                                      \
        case ND_ISFINITE: LOOP1(uint8_t, T, 1 + 0 * x); break;                                               \
        case ND_SIGN: LOOP1(T, T, (x > 0) - LT0(x)); break;                                                  \
        case ND_SQUARE: LOOP1(T, T, (UW)x *(UW)x); break;                                                    \
        default: LOOP1(T, T, x); break; /* +x, round */                                                      \
        }                                                                                                    \
    }

/* x < 0, spelled so that unsigned types draw no always-false warning. */
#define SLT0(x) ((x) < 0)
#define ULT0(x) 0
DEF_INT(i8, int8_t, uint32_t, 1, INT8_MIN, SLT0)
DEF_INT(u8, uint8_t, uint32_t, 0, 0, ULT0)
DEF_INT(i16, int16_t, uint32_t, 1, INT16_MIN, SLT0)
DEF_INT(u16, uint16_t, uint32_t, 0, 0, ULT0)
DEF_INT(i32, int32_t, uint32_t, 1, INT32_MIN, SLT0)
DEF_INT(u32, uint32_t, uint32_t, 0, 0, ULT0)
DEF_INT(i64, int64_t, uint64_t, 1, INT64_MIN, SLT0)
DEF_INT(u64, uint64_t, uint64_t, 0, 0, ULT0)

/* bool: + is or, * is and; //, % and ** were moved to int8 by the caller. */
static void b_binary(int op, int mode, void *restrict out, const void *restrict pa, const void *restrict pb,
                     int64_t n)
{
    switch ((nd_binop)op) {
    case ND_ADD:
    case ND_OR:
    case ND_MAXIMUM: LOOP3(uint8_t, uint8_t, x | y); break;
    case ND_MUL:
    case ND_AND:
    case ND_MINIMUM: LOOP3(uint8_t, uint8_t, x & y); break;
    case ND_XOR:
        LOOP3(uint8_t, uint8_t, x ^ y);
        break;
        CMP_CASES(uint8_t)
    default: break;
    }
}

static void b_unary(int op, void *restrict out, const void *restrict pa, int64_t n)
{
    switch ((nd_unop)op) {
    case ND_NOT:
    case ND_INVERT: LOOP1(uint8_t, uint8_t, x == 0); break;
    case ND_ISNAN:
    case ND_ISINF: LOOP1(uint8_t, uint8_t, 0 * x); break;
    case ND_ISFINITE: LOOP1(uint8_t, uint8_t, 1 + 0 * x); break;
    default: LOOP1(uint8_t, uint8_t, x); break; /* abs */
    }
}

/* Floats. floor division and remainder follow numpy's npy_divmod, so signs
 * of zeros and results near integers match it. MF(f) names the libm
 * function for T (sqrt or sqrtf). */
#define DEF_FLOAT(NAME, T, MF)                                                                               \
    static inline T NAME##_divmod(T a, T b, T *modp)                                                         \
    {                                                                                                        \
        T mod = MF(fmod)(a, b);                                                                              \
        if (!b) {                                                                                            \
            *modp = mod;                                                                                     \
            return a / b;                                                                                    \
        }                                                                                                    \
        T div = (a - mod) / b;                                                                               \
        if (mod) {                                                                                           \
            if (isless(b, 0) != isless(mod, 0)) {                                                            \
                mod += b;                                                                                    \
                div -= (T)1;                                                                                 \
            }                                                                                                \
        } else {                                                                                             \
            mod = MF(copysign)((T)0, b);                                                                     \
        }                                                                                                    \
        T fl;                                                                                                \
        if (div) {                                                                                           \
            fl = MF(floor)(div);                                                                             \
            if (isgreater(div - fl, (T)0.5))                                                                 \
                fl += (T)1;                                                                                  \
        } else {                                                                                             \
            fl = MF(copysign)((T)0, a / b);                                                                  \
        }                                                                                                    \
        *modp = mod;                                                                                         \
        return fl;                                                                                           \
    }                                                                                                        \
    static inline T NAME##_fdiv(T a, T b)                                                                    \
    {                                                                                                        \
        T mod;                                                                                               \
        return b ? NAME##_divmod(a, b, &mod) : a / b;                                                        \
    }                                                                                                        \
    static inline T NAME##_mod(T a, T b)                                                                     \
    {                                                                                                        \
        T mod;                                                                                               \
        if (!b)                                                                                              \
            return MF(fmod)(a, b);                                                                           \
        NAME##_divmod(a, b, &mod);                                                                           \
        return mod;                                                                                          \
    }                                                                                                        \
    static inline T NAME##_sign(T x)                                                                         \
    {                                                                                                        \
        return x > 0 ? (T)1 : x < 0 ? (T)-1 : x == 0 ? (T)0 : x;                                             \
    }                                                                                                        \
    ND_HOT static void NAME##_binary(int op, int mode, void *restrict out, const void *restrict pa,          \
                                     const void *restrict pb, int64_t n)                                     \
    {                                                                                                        \
        switch ((nd_binop)op) {                                                                              \
        case ND_ADD: LOOP3(T, T, x + y); break;                                                              \
        case ND_SUB: LOOP3(T, T, x - y); break;                                                              \
        case ND_MUL: LOOP3(T, T, x *y); break;                                                               \
        case ND_TRUEDIV: LOOP3(T, T, x / y); break;                                                          \
        case ND_FLOORDIV: LOOP3(T, T, NAME##_fdiv(x, y)); break;                                             \
        case ND_MOD: LOOP3(T, T, NAME##_mod(x, y)); break;                                                   \
        case ND_POW: LOOP3(T, T, MF(pow)(x, y)); break;                                                      \
        case ND_MAXIMUM: LOOP3(T, T, (isnan(x) || x > y) ? x : y); break;                                    \
        case ND_MINIMUM:                                                                                     \
            LOOP3(T, T, (isnan(x) || x < y) ? x : y);                                                        \
            break;                                                                                           \
            CMP_CASES(T)                                                                                     \
        default: break; /* bitwise ops were rejected */                                                      \
        }                                                                                                    \
    }                                                                                                        \
    static void NAME##_unary(int op, void *restrict out, const void *restrict pa, int64_t n)                 \
    {                                                                                                        \
        switch ((nd_unop)op) {                                                                               \
        case ND_NEG: LOOP1(T, T, -x); break;                                                                 \
        case ND_ABS: LOOP1(T, T, MF(fabs)(x)); break;                                                        \
        case ND_NOT: LOOP1(uint8_t, T, x == 0); break;                                                       \
        case ND_SQRT: LOOP1(T, T, MF(sqrt)(x)); break;                                                       \
        case ND_EXP: LOOP1(T, T, MF(exp)(x)); break;                                                         \
        case ND_LOG: LOOP1(T, T, MF(log)(x)); break;                                                         \
        case ND_LOG10: LOOP1(T, T, MF(log10)(x)); break;                                                     \
        case ND_LOG2: LOOP1(T, T, MF(log2)(x)); break;                                                       \
        case ND_SIN: LOOP1(T, T, MF(sin)(x)); break;                                                         \
        case ND_COS: LOOP1(T, T, MF(cos)(x)); break;                                                         \
        case ND_TAN: LOOP1(T, T, MF(tan)(x)); break;                                                         \
        case ND_FLOOR: LOOP1(T, T, MF(floor)(x)); break;                                                     \
        case ND_CEIL: LOOP1(T, T, MF(ceil)(x)); break;                                                       \
        case ND_ROUND: LOOP1(T, T, MF(rint)(x)); break;                                                      \
        case ND_ISNAN: LOOP1(uint8_t, T, isnan(x) != 0); break;                                              \
        case ND_ISINF: LOOP1(uint8_t, T, isinf(x) != 0); break;                                              \
        case ND_ISFINITE: LOOP1(uint8_t, T, isfinite(x) != 0); break;                                        \
        case ND_SIGN: LOOP1(T, T, NAME##_sign(x)); break;                                                    \
        case ND_SQUARE: LOOP1(T, T, x *x); break;                                                            \
        default: LOOP1(T, T, x); break; /* +x */                                                             \
        }                                                                                                    \
    }

#define MF_F32(fn) fn##f
#define MF_F64(fn) fn
DEF_FLOAT(f32, float, MF_F32)
DEF_FLOAT(f64, double, MF_F64)

static const bin_kernel bin_kernels[TD_NDTYPES] = {b_binary,   i8_binary,  u8_binary,  i16_binary,
                                                   u16_binary, i32_binary, u32_binary, i64_binary,
                                                   u64_binary, f32_binary, f64_binary};
static const un_kernel un_kernels[TD_NDTYPES] = {b_unary,   i8_unary,  u8_unary,  i16_unary,
                                                 u16_unary, i32_unary, u32_unary, i64_unary,
                                                 u64_unary, f32_unary, f64_unary};

/* ---- the element-wise engine ------------------------------------------- */

typedef struct ew_operand {
    const char *data;
    td_dtype dtype;                /* as stored; converted to the compute dtype on the fly */
    int64_t stride[ND_MAXDIM + 1]; /* in elements, 0 along broadcast axes */
} ew_operand;

typedef struct ew_ctx {
    int op;
    bool unary;
    td_dtype ct, ot; /* compute and output dtypes */
    int nd;          /* after dropping and merging axes; at least 1 */
    int64_t shape[ND_MAXDIM + 1];
    ew_operand a, b;
    char *out;
} ew_ctx;

typedef union ew_block {
    double align;
    unsigned char bytes[EW_BLOCK * 8];
} ew_block;

/* Runs the kernel over n elements whose operands advance by sa / sb
 * elements (each 0 or 1) and whose output is contiguous. */
static void ew_segment(const ew_ctx *c, char *out, const char *pa, int64_t sa, const char *pb, int64_t sb,
                       int64_t n)
{
    size_t os = td_dtype_size(c->ot);
    size_t as = td_dtype_size(c->a.dtype), bs = c->unary ? 0 : td_dtype_size(c->b.dtype);
    bool conv_a = c->a.dtype != c->ct, conv_b = !c->unary && c->b.dtype != c->ct;
    ew_block ba, bb;

    if (c->unary) {
        for (int64_t off = 0; off < n;) {
            int64_t m = conv_a ? (n - off < EW_BLOCK ? n - off : EW_BLOCK) : n - off;
            const void *va = pa + off * (int64_t)as;
            if (conv_a) {
                nd_convert(ba.bytes, c->ct, va, c->a.dtype, m);
                va = ba.bytes;
            }
            un_kernels[c->ct](c->op, out + off * (int64_t)os, va, m);
            off += m;
        }
        return;
    }

    int mode = sa == 0 ? M_SV : sb == 0 ? M_VS : M_VV;
    /* A repeated element is converted once. */
    const void *fixed_a = pa, *fixed_b = pb;
    if (sa == 0 && conv_a) {
        nd_convert(ba.bytes, c->ct, pa, c->a.dtype, 1);
        fixed_a = ba.bytes;
    }
    if (sb == 0 && conv_b) {
        nd_convert(bb.bytes, c->ct, pb, c->b.dtype, 1);
        fixed_b = bb.bytes;
    }
    bool blocked = (sa && conv_a) || (sb && conv_b);
    for (int64_t off = 0; off < n;) {
        int64_t m = blocked ? (n - off < EW_BLOCK ? n - off : EW_BLOCK) : n - off;
        const void *va = fixed_a, *vb = fixed_b;
        if (sa) {
            va = pa + off * (int64_t)as;
            if (conv_a) {
                nd_convert(ba.bytes, c->ct, va, c->a.dtype, m);
                va = ba.bytes;
            }
        }
        if (sb) {
            vb = pb + off * (int64_t)bs;
            if (conv_b) {
                nd_convert(bb.bytes, c->ct, vb, c->b.dtype, m);
                vb = bb.bytes;
            }
        }
        bin_kernels[c->ct](c->op, mode, out + off * (int64_t)os, va, vb, m);
        off += m;
    }
}

/* Output elements [begin, end) in C order. */
static int ew_kernel(void *ctx, int64_t begin, int64_t end, int thread, td_err *err)
{
    const ew_ctx *c = ctx;
    int nd = c->nd, last = nd - 1;
    int64_t idx[ND_MAXDIM + 1];
    int64_t rem = begin;
    for (int k = last; k >= 0; k--) {
        idx[k] = rem % c->shape[k];
        rem /= c->shape[k];
    }
    size_t as = td_dtype_size(c->a.dtype), bs = c->unary ? 0 : td_dtype_size(c->b.dtype);
    size_t os = td_dtype_size(c->ot);
    int64_t pos = begin;
    while (pos < end) {
        int64_t oa = 0, ob = 0;
        for (int k = 0; k < nd; k++) {
            oa += idx[k] * c->a.stride[k];
            if (!c->unary)
                ob += idx[k] * c->b.stride[k];
        }
        int64_t m = c->shape[last] - idx[last];
        if (m > end - pos)
            m = end - pos;
        ew_segment(c, c->out + pos * (int64_t)os, c->a.data + oa * (int64_t)as, c->a.stride[last],
                   c->unary ? NULL : c->b.data + ob * (int64_t)bs, c->unary ? 0 : c->b.stride[last], m);
        pos += m;
        idx[last] += m;
        for (int k = last; k > 0 && idx[k] == c->shape[k]; k--) {
            idx[k] = 0;
            idx[k - 1]++;
        }
    }
    return 0;
}

static int ew_run(ew_ctx *c, int64_t total, td_err *err)
{
    if (total <= 0)
        return 0;
    if (total <= EW_PAR_MIN)
        return ew_kernel(c, 0, total, 0, err);
    int64_t grain = total / ((int64_t)td_par_threads() * 8);
    if (grain < EW_PAR_MIN / 2)
        grain = EW_PAR_MIN / 2;
    return td_par_for(total, grain, ew_kernel, c, err);
}

/* Element strides of a C-contiguous shape. */
static void c_strides(int ndim, const int64_t *shape, int64_t *st)
{
    int64_t s = 1;
    for (int k = ndim - 1; k >= 0; k--) {
        st[k] = s;
        s *= shape[k];
    }
}

/* Fills c->nd, c->shape and the operands' strides from the output shape
 * and operand shapes (right-aligned; nb < 0: unary; b_scalar: b is one
 * element everywhere), dropping length-1 axes and merging axes that are
 * contiguous for both operands. */
static void ew_plan(ew_ctx *c, int ndim, const int64_t *shape, int na, const int64_t *ashape, int nb,
                    const int64_t *bshape)
{
    int64_t ast[ND_MAXDIM], bst[ND_MAXDIM];
    c_strides(na, ashape, ast);
    if (nb >= 0)
        c_strides(nb, bshape, bst);
    int nd = 0;
    for (int k = 0; k < ndim; k++) {
        if (shape[k] == 1)
            continue;
        int ka = k - (ndim - na), kb = k - (ndim - nb);
        int64_t sa = ka >= 0 && ashape[ka] != 1 ? ast[ka] : 0;
        int64_t sb = nb >= 0 && kb >= 0 && bshape[kb] != 1 ? bst[kb] : 0;
        if (nd > 0 && c->a.stride[nd - 1] == sa * shape[k] && c->b.stride[nd - 1] == sb * shape[k]) {
            c->shape[nd - 1] *= shape[k];
            c->a.stride[nd - 1] = sa;
            c->b.stride[nd - 1] = sb;
            continue;
        }
        c->shape[nd] = shape[k];
        c->a.stride[nd] = sa;
        c->b.stride[nd] = sb;
        nd++;
    }
    if (nd == 0) {
        c->shape[0] = 1;
        c->a.stride[0] = c->b.stride[0] = 1;
        nd = 1;
    }
    c->nd = nd;
}

/* ---- dtypes and errors ------------------------------------------------- */

/* numpy writes shapes in broadcast errors without spaces: (2,3) (4,). */
static const char *compact_shape(int ndim, const int64_t *shape, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "(");
    for (int i = 0; i < ndim && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%lld", i ? "," : "", (long long)shape[i]);
    if (used < len)
        snprintf(buf + used, len - used, ndim == 1 ? ",)" : ")");
    return buf;
}

static int broadcast_shapes(const nd_array *a, const nd_array *b, int *ndim, int64_t *shape, td_err *err)
{
    int nd = a->ndim > b->ndim ? a->ndim : b->ndim;
    for (int k = 0; k < nd; k++) {
        int ka = k - (nd - a->ndim), kb = k - (nd - b->ndim);
        int64_t da = ka >= 0 ? a->shape[ka] : 1, db = kb >= 0 ? b->shape[kb] : 1;
        if (da != db && da != 1 && db != 1) {
            char s1[256], s2[256];
            return td_err_set(err, TD_EVALUE, "operands could not be broadcast together with shapes %s %s",
                              compact_shape(a->ndim, a->shape, s1, sizeof s1),
                              compact_shape(b->ndim, b->shape, s2, sizeof s2));
        }
        shape[k] = da == 1 ? db : da;
    }
    *ndim = nd;
    return 0;
}

static const char *binop_ufunc(nd_binop op)
{
    switch (op) {
    case ND_AND: return "bitwise_and";
    case ND_OR: return "bitwise_or";
    case ND_XOR: return "bitwise_xor";
    default: return "?";
    }
}

/* Compute and output dtypes of op for operands promoting to p. */
static int binop_types(nd_binop op, td_dtype p, td_dtype *ct, td_dtype *ot, td_err *err)
{
    *ct = *ot = p;
    switch (op) {
    case ND_TRUEDIV: *ct = *ot = td_truediv_dtype(p); break;
    case ND_EQ:
    case ND_NE:
    case ND_LT:
    case ND_LE:
    case ND_GT:
    case ND_GE: *ot = TD_BOOL; break;
    case ND_AND:
    case ND_OR:
    case ND_XOR:
        if (td_dtype_is_float(p))
            return td_err_set(err, TD_ETYPE,
                              "ufunc '%s' not supported for the input types, and the inputs could not be "
                              "safely coerced to any supported types according to the casting rule ''safe''",
                              binop_ufunc(op));
        break;
    case ND_SUB:
        if (p == TD_BOOL)
            return td_err_set(err, TD_ETYPE,
                              "numpy boolean subtract, the `-` operator, is not supported, use the "
                              "bitwise_xor, the `^` operator, or the logical_xor function instead.");
        break;
    case ND_FLOORDIV:
    case ND_MOD:
    case ND_POW:
        /* numpy has no bool loops for these; the first match is int8. */
        if (p == TD_BOOL)
            *ct = *ot = TD_INT8;
        break;
    default: break;
    }
    return 0;
}

static const char *unop_ufunc(nd_unop op)
{
    switch (op) {
    case ND_POS: return "positive";
    case ND_SIGN: return "sign";
    default: return "invert";
    }
}

/* The float dtype numpy's float ufuncs (sqrt, floor, ...) pick for t: the
 * smallest that holds it safely, float16 being thunder's float32. */
static td_dtype float_for(td_dtype t)
{
    switch (t) {
    case TD_INT32:
    case TD_UINT32:
    case TD_INT64:
    case TD_UINT64:
    case TD_FLOAT64: return TD_FLOAT64;
    default: return TD_FLOAT32;
    }
}

static int unop_types(nd_unop op, td_dtype t, td_dtype *ct, td_dtype *ot, td_err *err)
{
    *ct = *ot = t;
    switch (op) {
    case ND_NEG:
        if (t == TD_BOOL)
            return td_err_set(err, TD_ETYPE,
                              "The numpy boolean negative, the `-` operator, is not supported, use the "
                              "`~` operator or the logical_not function instead.");
        break;
    case ND_POS:
    case ND_SIGN:
        if (t == TD_BOOL)
            return td_err_set(err, TD_ETYPE,
                              "ufunc '%s' did not contain a loop with signature matching types <class "
                              "'numpy.dtype[bool_]'> -> None",
                              unop_ufunc(op));
        break;
    case ND_INVERT:
        if (td_dtype_is_float(t))
            return td_err_set(err, TD_ETYPE,
                              "ufunc 'invert' not supported for the input types, and the inputs could not "
                              "be safely coerced to any supported types according to the casting rule "
                              "''safe''");
        break;
    case ND_NOT:
    case ND_ISNAN:
    case ND_ISINF:
    case ND_ISFINITE: *ot = TD_BOOL; break;
    case ND_SQRT:
    case ND_EXP:
    case ND_LOG:
    case ND_LOG10:
    case ND_LOG2:
    case ND_SIN:
    case ND_COS:
    case ND_TAN:
    case ND_FLOOR:
    case ND_CEIL: *ct = *ot = float_for(t); break;
    case ND_ROUND:
        if (t == TD_BOOL)
            *ct = *ot = TD_FLOAT32;
        break;
    case ND_SQUARE:
        if (t == TD_BOOL)
            *ct = *ot = TD_INT8;
        break;
    default: break;
    }
    return 0;
}

static bool any_negative(const void *data, td_dtype t, int64_t n)
{
    int64_t chunk[EW_BLOCK];
    if (!td_dtype_is_signed(t))
        return false;
    for (int64_t off = 0; off < n; off += EW_BLOCK) {
        int64_t m = n - off < EW_BLOCK ? n - off : EW_BLOCK;
        nd_convert(chunk, TD_INT64, (const char *)data + off * (int64_t)td_dtype_size(t), t, m);
        for (int64_t i = 0; i < m; i++)
            if (chunk[i] < 0)
                return true;
    }
    return false;
}

static int negative_power_error(td_err *err)
{
    return td_err_set(err, TD_EVALUE, "Integers to negative integer powers are not allowed.");
}

/* ---- public entry points ------------------------------------------------ */

nd_array *nd_unary(nd_unop op, const nd_array *a, td_err *err)
{
    td_dtype ct, ot;
    if (unop_types(op, a->dtype, &ct, &ot, err) < 0)
        return NULL;
    nd_array *r = nd_new(ot, a->ndim, a->shape, err);
    if (!r)
        return NULL;
    ew_ctx c = {.op = (int)op, .unary = true, .ct = ct, .ot = ot, .out = r->data};
    c.a.data = a->data;
    c.a.dtype = a->dtype;
    c.nd = 1;
    c.shape[0] = a->size;
    c.a.stride[0] = 1;
    if (ew_run(&c, a->size, err) < 0) {
        nd_release(r);
        return NULL;
    }
    return r;
}

/* numpy 1.24 computes array ** scalar with a unary function for a few
 * exponents (fast_scalar_power), which differs from pow() in signed zeros,
 * infinities and the last bit; kind_float says the exponent was a float.
 * Returns 1 with *out set when it applies, 0 when not, -1 on error. */
static int fast_power(const nd_array *a, double e, bool kind_float, nd_array **out, td_err *err)
{
    if (td_dtype_is_float(a->dtype)) {
        if (e == 1.0) {
            *out = nd_unary(ND_POS, a, err);
        } else if (e == 0.5) {
            *out = nd_unary(ND_SQRT, a, err);
        } else if (e == 2.0) {
            *out = nd_unary(ND_SQUARE, a, err);
        } else if (e == 0.0) {
            *out = nd_full_f64(a->dtype, a->ndim, a->shape, 1.0, err);
        } else if (e == -1.0) {
            /* reciprocal: 1 / x in a's dtype */
            double one = 1.0;
            char s[8];
            nd_convert(s, a->dtype, &one, TD_FLOAT64, 1);
            nd_array *r = nd_new(a->dtype, a->ndim, a->shape, err);
            if (!r)
                return -1;
            ew_ctx c = {.op = ND_TRUEDIV, .ct = a->dtype, .ot = a->dtype, .out = r->data};
            c.a.data = s;
            c.a.dtype = a->dtype;
            c.b.data = a->data;
            c.b.dtype = a->dtype;
            c.nd = 1;
            c.shape[0] = a->size;
            c.a.stride[0] = 0;
            c.b.stride[0] = 1;
            if (ew_run(&c, a->size, err) < 0) {
                nd_release(r);
                return -1;
            }
            *out = r;
        } else {
            return 0;
        }
        return *out ? 1 : -1;
    }
    if (e != 2.0)
        return 0;
    if (kind_float && td_dtype_is_int(a->dtype)) {
        nd_array *d = nd_astype(a, TD_FLOAT64, err);
        if (!d)
            return -1;
        *out = nd_unary(ND_SQUARE, d, err);
        nd_release(d);
    } else {
        *out = nd_unary(ND_SQUARE, a, err);
    }
    return *out ? 1 : -1;
}

/* The element stride of an operand of r that is one flat run: 0 for a
 * single element (or the scalar), 1 for r's own shape; false otherwise. */
static bool flat_stride(const nd_array *x, bool scalar, const nd_array *r, int64_t *stride)
{
    if (scalar || x->size == 1) {
        *stride = 0;
        return true;
    }
    *stride = 1;
    return nd_same_shape(x, r);
}

/* Shared tail of nd_binary and nd_binary_scalar once dtypes are known. */
static nd_array *binary_run(nd_binop op, td_dtype ct, td_dtype ot, const nd_array *a, const void *adata,
                            td_dtype adt, bool a_scalar, const nd_array *b, const void *bdata, td_dtype bdt,
                            bool b_scalar, int ndim, const int64_t *shape, td_err *err)
{
    nd_array *r = nd_new(ot, ndim, shape, err);
    if (!r)
        return NULL;
    int64_t sa, sb;
    if (r->size <= EW_PAR_MIN && flat_stride(a, a_scalar, r, &sa) && flat_stride(b, b_scalar, r, &sb)) {
        /* One flat run (a record and a scalar, two records): straight to
         * the kernel, without planning strides. ew_segment reads only
         * these fields. */
        ew_ctx f;
        f.op = (int)op;
        f.unary = false;
        f.ct = ct;
        f.ot = ot;
        f.a.dtype = adt;
        f.b.dtype = bdt;
        if (r->size > 0)
            ew_segment(&f, r->data, adata, sa, bdata, sb, r->size);
        return r;
    }
    ew_ctx c = {.op = (int)op, .ct = ct, .ot = ot, .out = r->data};
    c.a.data = adata;
    c.a.dtype = adt;
    c.b.data = bdata;
    c.b.dtype = bdt;
    static const int64_t none[1] = {1};
    ew_plan(&c, ndim, shape, a_scalar ? 0 : a->ndim, a_scalar ? none : a->shape, b_scalar ? 0 : b->ndim,
            b_scalar ? none : b->shape);
    if (ew_run(&c, r->size, err) < 0) {
        nd_release(r);
        return NULL;
    }
    return r;
}

/* numpy's value-based casting of an integer scalar v: the smallest type
 * holding it, where a non-negative value that also fits the signed type of
 * that size may act as signed. */
static td_dtype min_int_type(int64_t v, bool *small_unsigned)
{
    static const td_dtype uns[4] = {TD_UINT8, TD_UINT16, TD_UINT32, TD_UINT64};
    static const td_dtype sig[4] = {TD_INT8, TD_INT16, TD_INT32, TD_INT64};
    static const int64_t smax[4] = {INT8_MAX, INT16_MAX, INT32_MAX, INT64_MAX};
    static const int64_t umax[3] = {UINT8_MAX, UINT16_MAX, UINT32_MAX};
    static const int64_t smin[3] = {INT8_MIN, INT16_MIN, INT32_MIN};
    int k = 0;
    if (v < 0) {
        while (k < 3 && v < smin[k])
            k++;
        *small_unsigned = false;
        return sig[k];
    }
    while (k < 3 && v > umax[k])
        k++;
    *small_unsigned = v <= smax[k];
    return uns[k];
}

/* floor_divide, remainder, power and the bitwise ufuncs resolve dtypes in
 * numpy 1.24 by taking the first of their loops (int8, uint8, int16, ...)
 * to which the array casts safely and the scalar's value fits, which can
 * differ from result_type: uint8 array // 300 is int16, not uint16. */
static bool resolves_by_search(nd_binop op)
{
    return op == ND_FLOORDIV || op == ND_MOD || op == ND_POW || op == ND_AND || op == ND_OR || op == ND_XOR;
}

static td_dtype search_loops(td_dtype arr, int64_t v)
{
    static const td_dtype loops[] = {TD_INT8,   TD_UINT8, TD_INT16,  TD_UINT16,  TD_INT32,
                                     TD_UINT32, TD_INT64, TD_UINT64, TD_FLOAT32, TD_FLOAT64};
    static const td_dtype to_signed[TD_NDTYPES] = {
        [TD_UINT8] = TD_INT8, [TD_UINT16] = TD_INT16, [TD_UINT32] = TD_INT32, [TD_UINT64] = TD_INT64};
    bool small;
    td_dtype m = min_int_type(v, &small);
    for (size_t k = 0; k < sizeof loops / sizeof loops[0]; k++) {
        td_dtype t = loops[k];
        td_dtype mt = small && !td_dtype_is_unsigned(t) ? to_signed[m] : m;
        if (td_promote(arr, t) == t && td_promote(mt, t) == t)
            return t;
    }
    return TD_FLOAT64;
}

/* The dtype of op between an array of dtype arr and a scalar. */
static td_dtype scalar_promote(nd_binop op, td_dtype arr, td_scalar_kind kind, int64_t ival, double fval)
{
    if (kind == TD_SCALAR_INT && td_dtype_is_int(arr) && resolves_by_search(op))
        return search_loops(arr, ival);
    return td_promote_scalar(arr, kind, ival, fval);
}

/* numpy 1.x treats a 0-d array next to an n-d array like a Python scalar:
 * value-based casting when its kind (bool < integer < float) is not above
 * the array's. */
static td_dtype promote_with_0d(nd_binop op, const nd_array *arr, const nd_array *s)
{
    int ka = td_dtype_is_bool(arr->dtype) ? 0 : td_dtype_is_float(arr->dtype) ? 2 : 1;
    int ks = td_dtype_is_bool(s->dtype) ? 0 : td_dtype_is_float(s->dtype) ? 2 : 1;
    if (ks > ka)
        return td_promote(arr->dtype, s->dtype);
    if (ks == 0)
        return scalar_promote(op, arr->dtype, TD_SCALAR_BOOL, nd_get_i64(s, 0), 0);
    if (ks == 2)
        return scalar_promote(op, arr->dtype, TD_SCALAR_FLOAT, 0, nd_get_f64(s, 0));
    if (s->dtype == TD_UINT64) {
        uint64_t v;
        memcpy(&v, s->data, sizeof v);
        if (v > (uint64_t)INT64_MAX)
            return td_promote(arr->dtype, TD_UINT64);
    }
    return scalar_promote(op, arr->dtype, TD_SCALAR_INT, nd_get_i64(s, 0), 0);
}

nd_array *nd_binary(nd_binop op, const nd_array *a, const nd_array *b, td_err *err)
{
    int ndim = 0;
    int64_t shape[ND_MAXDIM];
    if (broadcast_shapes(a, b, &ndim, shape, err) < 0)
        return NULL;
    td_dtype p;
    if (a->ndim == 0 && b->ndim > 0)
        p = promote_with_0d(op, b, a);
    else if (b->ndim == 0 && a->ndim > 0)
        p = promote_with_0d(op, a, b);
    else
        p = td_promote(a->dtype, b->dtype);
    td_dtype ct, ot;
    if (binop_types(op, p, &ct, &ot, err) < 0)
        return NULL;
    if (op == ND_POW && b->ndim == 0) {
        nd_array *r = NULL;
        int f = fast_power(a, nd_get_f64(b, 0), td_dtype_is_float(b->dtype), &r, err);
        if (f != 0)
            return f > 0 ? r : NULL;
    }
    if (op == ND_POW && td_dtype_is_int(ct) && a->size > 0 && any_negative(b->data, b->dtype, b->size)) {
        negative_power_error(err);
        return NULL;
    }
    return binary_run(op, ct, ot, a, a->data, a->dtype, false, b, b->data, b->dtype, false, ndim, shape, err);
}

nd_array *nd_binary_scalar(nd_binop op, const nd_array *a, td_scalar_kind kind, int64_t ival, double fval,
                           bool scalar_left, td_err *err)
{
    td_dtype p = scalar_promote(op, a->dtype, kind, ival, fval);
    td_dtype ct, ot;
    if (binop_types(op, p, &ct, &ot, err) < 0)
        return NULL;
    if (op == ND_POW && !scalar_left) {
        nd_array *r = NULL;
        double e = kind == TD_SCALAR_FLOAT ? fval : (double)ival;
        int f = fast_power(a, e, kind == TD_SCALAR_FLOAT, &r, err);
        if (f != 0)
            return f > 0 ? r : NULL;
    }
    if (op == ND_POW && td_dtype_is_int(ct)) {
        bool neg = scalar_left ? any_negative(a->data, a->dtype, a->size) : kind == TD_SCALAR_INT && ival < 0;
        if (neg && a->size > 0) {
            negative_power_error(err);
            return NULL;
        }
    }
    /* The scalar in the compute dtype, read as a one-element operand. */
    union {
        double d;
        unsigned char bytes[8];
    } s;
    if (kind == TD_SCALAR_FLOAT)
        nd_convert(s.bytes, ct, &fval, TD_FLOAT64, 1);
    else
        nd_convert(s.bytes, ct, &ival, TD_INT64, 1);
    if (scalar_left)
        return binary_run(op, ct, ot, NULL, s.bytes, ct, true, a, a->data, a->dtype, false, a->ndim, a->shape,
                          err);
    return binary_run(op, ct, ot, a, a->data, a->dtype, false, NULL, s.bytes, ct, true, a->ndim, a->shape,
                      err);
}
