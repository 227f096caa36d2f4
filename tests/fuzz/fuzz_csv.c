/*
** Fuzz target for the CSV record reader (storage/csv.c via storage/reader.h).
**
** libFuzzer build (from the repository root):
**   clang -g -O1 -fsanitize=fuzzer,address,undefined -DWEIR_LIBFUZZER -DWEIR_BATCH_SIZE=2048 -D_GNU_SOURCE \
**     tests/fuzz/fuzz_csv.c storage/reader.c storage/csv.c storage/json.c common/arena.c common/err.c \
**     common/types.c common/vector.c -lm -o fuzz_csv
**   ./fuzz_csv -max_total_time=300 tests/fuzz/corpus/csv
** Without WEIR_LIBFUZZER the same file builds a replay program that runs every
** input of the directories given (the test 'fuzz-corpus-csv').
** See tests/storage/fuzz_harness.h for the input layout and the checks.
*/
#define FUZZ_FORMAT FORMAT_CSV
#include "../storage/fuzz_harness.h"
