/* summary.h - moved to lead/summary.h (the store keeps summaries). */
#include "lead/summary.h"
