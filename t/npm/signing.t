# The signing key over an Apache's life, on Apaches of the test's own: made
# once at the first start in the data directory (0600), the key that GET
# /-/npm/v1/keys lists and that signs publishes; the same key after a
# graceful restart, after one that found the file gone (written back from
# memory) and after a full restart; and a key of the administrator's own
# (TsciRegistrySigningKey), used as it is, none made.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Path qw(mkpath);
use MIME::Base64 qw(decode_base64 encode_base64);
use Digest::SHA qw(sha256_base64);
use TsciTest qw(main_store_independent req json_of adduser publish unique t_var own_apache
                spare_port write_file slurp);

Apache::Test::plan(tests => 33, Apache::Test::need(have_lwp,
    main_store_independent("the signing key over restarts")));

my $httpd = Apache::Test::config()->{vars}{httpd};
my $work = t_var() . '/signing-work';
mkpath($work);

# The DER SubjectPublicKeyInfo of the private key in a PEM file, by
# openssl, not the registry.
sub public_der {
    my $file = shift;
    return scalar `openssl pkey -in \Q$file\E -pubout -outform DER 2>/dev/null`;
}

sub keyid_of {
    return 'SHA256:' . sha256_base64(shift);
}

# The one key an Apache lists.
sub listed {
    my $base = shift;
    my $d = json_of(req(GET => "$base-/npm/v1/keys"));
    return $d && $d->{keys} && @{ $d->{keys} } == 1 ? $d->{keys}[0] : {};
}

# Publish name@version to base and say whether openssl verifies its
# signature with the public key of the PEM file $key.
sub signed_by {
    my ($base, $token, $name, $version, $key) = @_;
    my $res = publish($base, $token, name => $name, version => $version);
    return 0 unless $res->code == 201;
    my $dist = json_of(req(GET => "$base$name"))->{versions}{$version}{dist};
    my $sig = $dist->{signatures} && $dist->{signatures}[0];
    return 0 unless $sig;
    write_file("$work/pub.der", public_der($key));
    write_file("$work/msg", "$name\@$version:$dist->{integrity}");
    open my $fh, '>:raw', "$work/sig" or die $!;
    print $fh decode_base64($sig->{sig});
    close $fh;
    my $said = `openssl dgst -sha256 -keyform DER -verify \Q$work/pub.der\E -signature \Q$work/sig\E \Q$work/msg\E 2>&1`;
    return $? == 0 && $said =~ /Verified OK/;
}

sub lines_with {
    my ($file, $needle) = @_;
    return scalar grep { index($_, $needle) >= 0 } split /\n/, slurp($file);
}

# Restart gracefully and wait for the new generation to answer.
sub graceful {
    my $ap = shift;
    my $gens = lines_with($ap->{errlog}, 'resuming normal operations');
    system($httpd, '-f', "$ap->{dir}/httpd.conf", '-k', 'graceful') == 0
        or return 0;
    for (1 .. 100) {
        return 1 if lines_with($ap->{errlog}, 'resuming normal operations')
                    > $gens
                    && req(GET => "$ap->{base}-/ping")->code == 200;
        select undef, undef, undef, 0.1;
    }
    return 0;
}

# ---- The registry's own key ----
my $ap = own_apache(name => 'signing', port => spare_port(0));
ok $ap->{up}, 'an Apache of its own started' or diag $ap->{start_out};
my $file = "$ap->{datadir}/signing-key.pem";
ok -f $file, 'it made the signing key in the data directory';
is((stat $file)[2] & 07777, 0600, 'mode 0600');
is((stat $file)[4], $>, 'owned by the children\'s user');
like slurp($file), qr/^-----BEGIN PRIVATE KEY-----\n/, 'a PKCS#8 PEM file';
my $bytes = slurp($file);
my $der = public_der($file);
my $key = listed($ap->{base});
is $key->{key}, encode_base64($der, ''), 'GET /-/npm/v1/keys lists its public key';
is $key->{keyid}, keyid_of($der), 'under its keyid';
is lines_with($ap->{errlog}, "TSR00145: made the signing key $file"), 1,
   'the log says it was made';

my $token = adduser($ap->{base}, unique('signer'), 'signer-pass-1');
my $name = unique('signed');
ok signed_by($ap->{base}, $token, $name, '1.0.0', $file),
   'a publish is signed with it';

# ---- A graceful restart: the same key, reloaded ----
ok graceful($ap), 'graceful restart';
is listed($ap->{base})->{keyid}, $key->{keyid}, 'the same key is listed';
is slurp($file), $bytes, 'the file is unchanged';
is lines_with($ap->{errlog}, 'TSR00145: made the signing key'), 1,
   'no key was made';
ok signed_by($ap->{base}, $token, $name, '1.0.1', $file),
   'and signs publishes';

# ---- The file gone at a graceful restart: written back from memory ----
unlink $file or die "$file: $!";
ok graceful($ap), 'graceful restart without the file';
is listed($ap->{base})->{keyid}, $key->{keyid}, 'the same key is listed';
ok -f $file, 'the file is there again';
is((stat $file)[2] & 07777, 0600, 'mode 0600');
is public_der($file), $der, 'holding the same key';
is lines_with($ap->{errlog}, 'TSR00143: the signing key'), 1,
   'the log says it had gone and was written again';
is lines_with($ap->{errlog}, 'TSR00145: made the signing key'), 1,
   'no key was made';
ok signed_by($ap->{base}, $token, $name, '1.0.2', $file),
   'publishes are signed with it';

# ---- A full restart ----
system($httpd, '-f', "$ap->{dir}/httpd.conf", '-k', 'stop');
for (1 .. 100) {
    last unless -e $ap->{pidfile};
    select undef, undef, undef, 0.1;
}
ok !-e $ap->{pidfile}, 'stopped';
system($httpd, '-f', "$ap->{dir}/httpd.conf", '-k', 'start');
my $up = 0;
for (1 .. 100) {
    $up = 1, last if req(GET => "$ap->{base}-/ping")->code == 200;
    select undef, undef, undef, 0.1;
}
ok $up, 'started again';
is listed($ap->{base})->{keyid}, $key->{keyid}, 'the same key is listed';
is slurp($file), $bytes, 'from the same file';
$ap->{stop}->();

# A default key file that is no key stops configtest.
write_file($file, "not a key\n");
my $said = `\Q$httpd\E -t -f \Q$ap->{dir}/httpd.conf\E 2>&1`;
isnt $? >> 8, 0, 'configtest fails when the data directory\'s key is no key';
like $said, qr/TSR00142: .*signing-key\.pem is not an unencrypted PEM private key/,
     'and says so';

# ---- The administrator's own key ----
my $own = "$work/own-key.pem";
unlink $own;
system("openssl ecparam -name prime256v1 -genkey -noout -out \Q$own\E") == 0
    or die 'openssl ecparam failed';
like slurp($own), qr/BEGIN EC PRIVATE KEY/, 'an "EC PRIVATE KEY" file of openssl\'s';
$ap = own_apache(name => 'signing-own', port => spare_port(1),
                 conf => "TsciRegistrySigningKey $own\n");
ok $ap->{up}, 'an Apache with TsciRegistrySigningKey started'
    or diag $ap->{start_out};
$der = public_der($own);
$key = listed($ap->{base});
is $key->{keyid}, keyid_of($der), 'it lists that key';
ok !-e "$ap->{datadir}/signing-key.pem", 'and made none';
$token = adduser($ap->{base}, unique('ownsigner'), 'signer-pass-1');
ok signed_by($ap->{base}, $token, unique('own-signed'), '1.0.0', $own),
   'publishes are signed with it';
$ap->{stop}->();
