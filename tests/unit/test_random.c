/* numpy's legacy RandomState, bit for bit. Every expected value below was
 * printed by numpy 1.24 with %.17g (np.random.seed, randn, random_sample,
 * randint), so the comparisons are exact equality, not closeness. */
#include "testutil.h"

static void assert_gauss_seq(uint32_t seed, const double *want, int n)
{
    td_rng r;
    td_rng_seed(&r, seed);
    for (int i = 0; i < n; i++) {
        double g = td_rng_gauss(&r);
        if (g != want[i])
            fail_msg("seed %u, randn[%d]: got %.17g, want %.17g", seed, i, g, want[i]);
    }
}

static void assert_below_seq(uint32_t seed, int64_t n, const int64_t *want, int k)
{
    td_rng r;
    td_rng_seed(&r, seed);
    for (int i = 0; i < k; i++) {
        int64_t v = td_rng_below(&r, n);
        if (v != want[i])
            fail_msg("seed %u, randint(0, %lld)[%d]: got %lld, want %lld", seed, (long long)n, i,
                     (long long)v, (long long)want[i]);
    }
}

static void randn_seed42(void **state)
{
    (void)state;
    static const double want[20] = {
        0.49671415301123267,  -0.13826430117118466, 0.64768853810069249,  1.5230298564080254,
        -0.23415337472333597, -0.23413695694918055, 1.5792128155073915,   0.76743472915290878,
        -0.46947438593495211, 0.54256004358596466,  -0.46341769281246226, -0.46572975357025687,
        0.24196227156603412,  -1.9132802446577979,  -1.7249178325130328,  -0.56228752924097269,
        -1.0128311203344238,  0.31424733259527388,  -0.90802407552121089, -1.4123037013352915};
    assert_gauss_seq(42, want, 20);
}

static void randn_seed0_and_max(void **state)
{
    (void)state;
    static const double want0[7] = {1.764052345967664,  0.40015720836722329, 0.9787379841057392,
                                    2.2408931992014578, 1.8675579901499675,  -0.97727787987641102,
                                    0.95008841752558937};
    static const double wantmax[7] = {0.64840867423065274,  0.66932353063381611, -1.0805437227474493,
                                      0.28450104479863092,  0.11388773652167104, 0.86762189379293819,
                                      -0.044026015448043285};
    assert_gauss_seq(0, want0, 7);
    assert_gauss_seq(UINT32_MAX, wantmax, 7);
}

static void random_sample_values(void **state)
{
    (void)state;
    static const double want42[10] = {0.37454011884736249,  0.95071430640991617, 0.73199394181140509,
                                      0.5986584841970366,   0.15601864044243652, 0.15599452033620265,
                                      0.058083612168199461, 0.86617614577493518, 0.6011150117432088,
                                      0.70807257779604549};
    static const double want0[5] = {0.54881350392732475, 0.71518936637241948, 0.60276337607164387,
                                    0.54488318299689686, 0.42365479933890471};
    td_rng r;
    td_rng_seed(&r, 42);
    for (int i = 0; i < 10; i++)
        assert_true(td_rng_double(&r) == want42[i]);
    td_rng_seed(&r, 0);
    for (int i = 0; i < 5; i++)
        assert_true(td_rng_double(&r) == want0[i]);
}

/* Raw words: seed 5489 is the reference MT19937 default (first output
 * 3499211612); numpy gives the same through randint(0, 2**32). */
static void raw_words(void **state)
{
    (void)state;
    static const uint32_t w5489[5] = {3499211612u, 581869302u, 3890346734u, 3586334585u, 545404204u};
    static const uint32_t w0[5] = {2357136044u, 2546248239u, 3071714933u, 3626093760u, 2588848963u};
    td_rng r;
    td_rng_seed(&r, 5489);
    for (int i = 0; i < 5; i++)
        assert_int_equal(td_rng_u32(&r), w5489[i]);
    td_rng_seed(&r, 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(td_rng_u32(&r), w0[i]);
    /* Across the state regenerations after words 624, 1248 and 1872
     * (numpy: randint(0, 2**32, size=2003, dtype=np.uint64) with seed 7). */
    td_rng_seed(&r, 7);
    for (int i = 0; i < 2003; i++) {
        uint32_t w = td_rng_u32(&r);
        static const struct {
            int at;
            uint32_t want;
        } checks[] = {{622, 3584058812u}, {623, 3222554838u},  {624, 3732577367u},
                      {625, 469411292u},  {1247, 1201781567u}, {1248, 2879337408u},
                      {2000, 359857568u}, {2001, 513526872u},  {2002, 2259809525u}};
        for (size_t c = 0; c < sizeof checks / sizeof checks[0]; c++)
            if (checks[c].at == i && w != checks[c].want)
                fail_msg("seed 7 word %d: got %u, want %u", i, w, checks[c].want);
    }
}

static void randint_small_ranges(void **state)
{
    (void)state;
    static const int64_t s0n10[20] = {5, 0, 3, 3, 7, 9, 3, 5, 2, 4, 7, 6, 8, 8, 1, 6, 7, 7, 8, 1};
    static const int64_t s42n7[20] = {6, 3, 4, 6, 2, 4, 4, 6, 1, 2, 6, 2, 2, 4, 3, 2, 5, 4, 1, 3};
    static const int64_t s13n3[30] = {2, 0, 2, 0, 2, 2, 0, 1, 0, 2, 2, 0, 2, 2, 2,
                                      2, 1, 1, 2, 1, 0, 2, 0, 1, 2, 1, 1, 2, 0, 0};
    static const int64_t s3n1e6[10] = {71530,  722584, 601337, 452227, 572344,
                                       366848, 942869, 535549, 215699, 227018};
    assert_below_seq(0, 10, s0n10, 20);
    assert_below_seq(42, 7, s42n7, 20);
    assert_below_seq(13, 3, s13n3, 30);
    assert_below_seq(3, 1000000, s3n1e6, 10);
}

static void randint_large_ranges(void **state)
{
    (void)state;
    static const int64_t s7[8] = {327741615,  976413892,  1369975286, 1882953283,
                                  1956722279, 1322904761, 1133316631, 372560217};
    static const int64_t s1_2p32[5] = {1791095845, 4282876139, 3093770124, 4005303368, 491263};
    /* Just above 2**32 numpy switches to 64-bit draws (high word first). */
    static const int64_t s1_2p32p1[6] = {4005303368, 1703301249, 1666063943,
                                         4018109721, 3634877716, 1345499493};
    static const int64_t s9[6] = {543309627893, 1079394964374, 536928129601,
                                  98256916916,  253993743656,  1074337163505};
    static const int64_t s11[5] = {3325388913236545215, 359254775711865947, 8544873655684927415,
                                   4149298557807026508, 7751388342971580999};
    assert_below_seq(7, ((int64_t)1 << 31) + 1, s7, 8);
    assert_below_seq(1, (int64_t)1 << 32, s1_2p32, 5);
    assert_below_seq(1, ((int64_t)1 << 32) + 1, s1_2p32p1, 6);
    assert_below_seq(9, ((int64_t)1 << 40) + 5, s9, 6);
    assert_below_seq(11, INT64_MAX, s11, 5);
}

/* randint(0, 1) consumes nothing in numpy: randn afterwards is unchanged. */
static void randint_one_draws_nothing(void **state)
{
    (void)state;
    td_rng r;
    td_rng_seed(&r, 42);
    for (int i = 0; i < 5; i++)
        assert_int_equal(td_rng_below(&r, 1), 0);
    assert_true(td_rng_gauss(&r) == 0.49671415301123267);
    assert_true(td_rng_gauss(&r) == -0.13826430117118466);
}

/* np.random.seed(1); randn(3); random_sample(2); randn(2): the cached
 * second Gaussian survives the uniform draws in between. */
static void gauss_cache_survives_uniforms(void **state)
{
    (void)state;
    static const double a[3] = {1.6243453636632417, -0.61175641365007538, -0.5281717522634557};
    static const double b[2] = {0.39676747423066994, 0.53881673400335695};
    static const double c[2] = {-1.0729686221561705, 1.74481176421648};
    td_rng r;
    td_rng_seed(&r, 1);
    for (int i = 0; i < 3; i++)
        assert_true(td_rng_gauss(&r) == a[i]);
    for (int i = 0; i < 2; i++)
        assert_true(td_rng_double(&r) == b[i]);
    for (int i = 0; i < 2; i++)
        assert_true(td_rng_gauss(&r) == c[i]);
}

/* Reseeding drops a cached Gaussian, as np.random.seed does. */
static void reseed_drops_cache(void **state)
{
    (void)state;
    td_rng r;
    td_rng_seed(&r, 42);
    td_rng_gauss(&r);
    assert_true(r.has_gauss);
    td_rng_seed(&r, 42);
    assert_true(td_rng_gauss(&r) == 0.49671415301123267);
    assert_true(td_rng_gauss(&r) == -0.13826430117118466);
    assert_true(td_rng_gauss(&r) == 0.64768853810069249);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(randn_seed42),
        cmocka_unit_test(randn_seed0_and_max),
        cmocka_unit_test(random_sample_values),
        cmocka_unit_test(raw_words),
        cmocka_unit_test(randint_small_ranges),
        cmocka_unit_test(randint_large_ranges),
        cmocka_unit_test(randint_one_draws_nothing),
        cmocka_unit_test(gauss_cache_survives_uniforms),
        cmocka_unit_test(reseed_drops_cache),
    };
    return cmocka_run_group_tests_name("random", tests, NULL, NULL);
}
