"""Payment gateways behind one interface: demo (offline), Stripe Checkout, YooKassa."""
