/*
** Fuzz target for the JSON-lines record reader (storage/json.c via storage/reader.h).
**
** libFuzzer build (from the repository root):
**   clang -g -O1 -fsanitize=fuzzer,address,undefined -DWEIR_LIBFUZZER -DWEIR_BATCH_SIZE=2048 -D_GNU_SOURCE \
**     tests/fuzz/fuzz_json.c storage/reader.c storage/csv.c storage/json.c common/arena.c common/err.c \
**     common/types.c common/vector.c -lm -o fuzz_json
**   ./fuzz_json -max_total_time=300 tests/fuzz/corpus/json
** Without WEIR_LIBFUZZER the same file builds a replay program that runs every
** input of the directories given (the test 'fuzz-corpus-json').
** See tests/storage/fuzz_harness.h for the input layout and the checks.
*/
#define FUZZ_FORMAT FORMAT_JSON
#include "../storage/fuzz_harness.h"
