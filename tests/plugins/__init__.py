"""Sample plugins the plugin-host tests load (each module is one plugin)."""
