// Test page: throws while the module loads, before reporting anything.
throw new Error('module failed on purpose');
