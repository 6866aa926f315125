/* sanitizer.h - what tests need to know about a sanitizer build.
 *
 * Under AddressSanitizer every allocation is padded and freed memory is
 * held in quarantine, and code runs several times slower: time bounds are
 * stretched by LR_TEST_SLOWDOWN and peak-memory bounds cannot be measured
 * (the normal build measures them). */
#ifndef LR_TEST_SANITIZER_H
#define LR_TEST_SANITIZER_H

#if defined(__SANITIZE_ADDRESS__)
#define LR_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LR_TEST_ASAN 1
#endif
#endif

#ifdef LR_TEST_ASAN
#define LR_TEST_SLOWDOWN 10.0
#else
#define LR_TEST_ASAN 0
#define LR_TEST_SLOWDOWN 1.0
#endif

#endif
