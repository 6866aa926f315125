/* queue.c - being written */
