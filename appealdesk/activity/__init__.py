"""Activity notifications: who is told what people did to a case (`notify`), read on the desk
(`selectors`), and the e-mail digest a person can turn on (`digest`)."""
