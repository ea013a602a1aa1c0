/* The CPU's float32 fused multiply-add peak: THREADS threads, each running
 * CHAINS independent 8-lane AVX2 FMA chains held in registers (no memory
 * traffic), so the rate is the FMA units' throughput, the most any float32
 * kernel can reach on these cores.
 *
 *   cc -O3 -mavx2 -mfma -pthread benchmarks/fma_peak.c -o fma_peak && ./fma_peak THREADS [REPEATS]
 *
 * Prints one line: "<GFLOP/s>" (one FMA on 8 lanes = 16 FLOP), the best of
 * REPEATS runs (default 5) of about 0.3 s each. Used by
 * benchmarks/cpu_compute_ceiling.py.
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHAINS 12          /* 2 FMA units x 4-5 cycles of latency, and registers left for the operands */
#define STEPS 20000000L    /* FMA steps of each chain per run */

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *run_chains(void *result) {
    __m256 acc[CHAINS];
    const __m256 scale = _mm256_set1_ps(0.999999f), shift = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm256_set1_ps((float)i);
    for (long step = 0; step < STEPS; step++)
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm256_fmadd_ps(acc[i], scale, shift);
    float sum = 0.f, lanes[8];
    for (int i = 0; i < CHAINS; i++) {
        _mm256_storeu_ps(lanes, acc[i]);
        sum += lanes[0];
    }
    *(float *)result = sum; /* keeps the chains from being optimised away */
    return NULL;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1, repeats = argc > 2 ? atoi(argv[2]) : 5;
    if (threads < 1 || threads > 256 || repeats < 1) {
        fprintf(stderr, "fma_peak: THREADS must be 1-256 and REPEATS at least 1\n");
        return 2;
    }
    pthread_t *ids = malloc(sizeof(pthread_t) * threads);
    float *results = malloc(sizeof(float) * threads);
    double best = 0.;
    for (int repeat = 0; repeat < repeats; repeat++) {
        double start = now();
        for (int t = 0; t < threads; t++) pthread_create(&ids[t], NULL, run_chains, &results[t]);
        for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
        double gflops = (double)threads * STEPS * CHAINS * 16 / (now() - start) / 1e9;
        if (gflops > best) best = gflops;
    }
    printf("%.1f\n", best);
    free(ids);
    free(results);
    return 0;
}
